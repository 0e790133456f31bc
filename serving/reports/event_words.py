"""Dossier events in the reader's language, shared by the app's Dossier timeline and the decision
page's dossier: a contact's tone, stage and status, an event's name, who did it and the payload
fields a person reads — amounts as money, channels and stages as words, dates as dates — never the
stored codes and cents ("contact_planned", "amount_cents: 2485771"). Ids, keys and allocations
are left out, and so is a system's English reason.

To word a new event kind: ``event_<kind>`` in :data:`WORDS`; a payload field: ``field_<name>``
(formatted in :meth:`EventWords.value`). Channel, stage, tone and outcome values come from
:data:`features.specs.VALUE_WORDS` (the channels' from ``ledger.channels``). This module only
formats.
"""

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from features.specs import VALUE_WORDS
from serving.reports.i18n import Lang, as_language

# key: (nl, en)
WORDS: dict[str, tuple[str, str]] = {
    "event_contact_planned": ("bericht ingepland", "message planned"),
    "event_contact_sent": ("bericht verstuurd", "message sent"),
    "event_contact_cancelled": ("bericht geannuleerd", "message cancelled"),
    "event_creditor_notification": ("melding aan u", "notice to you"),
    "event_dispute_resolved": ("betwisting opgelost", "dispute resolved"),
    "event_disputed": ("betwist", "disputed"),
    "event_fourteen_day_letter_sent": ("14-dagenbrief verstuurd", "14-day letter sent"),
    "event_handed_to_collection": ("uit handen gegeven", "handed over"),
    "event_invoice_issued": ("factuur verstuurd", "invoice issued"),
    "event_invoice_imported": ("factuur geïmporteerd", "invoice imported"),
    "event_reminder_sent": ("herinnering verstuurd", "reminder sent"),
    "event_promise_recorded": ("betaalbelofte vastgelegd", "promise to pay recorded"),
    "event_outcome_complaint": ("klacht", "complaint"),
    "event_outcome_dispute": ("betwisting", "dispute"),
    "event_outcome_promise": ("betaalbelofte", "promise to pay"),
    "event_outcome_unreachable": ("onbereikbaar", "unreachable"),
    "event_outcome_wants_copy": ("wil een kopie", "wants a copy"),
    "event_outcome_no_answer": ("geen gehoor", "no answer"),
    "event_outcome_paid": ("heeft betaald", "has paid"),
    "event_outcome_past_due": ("over de vervaldag", "past due"),
    "event_paused": ("gepauzeerd", "paused"),
    "event_resumed": ("hervat", "resumed"),
    "event_payment": ("betaling verwerkt", "payment allocated"),
    "event_payment_received": ("betaling ontvangen", "payment received"),
    "event_promise_broken": ("betaalbelofte niet nagekomen", "promise to pay broken"),
    "event_note": ("notitie", "note"),
    "event_send_now": ("nu versturen", "send now"),
    "event_call_case_opened": ("belopdracht geopend", "call case opened"),
    "event_call_case_closed": ("belopdracht gesloten", "call case closed"),
    "event_call_attempt": ("belpoging", "call attempt"),
    "event_call_after_set": ("volgende belpoging gepland", "next call attempt set"),
    "event_channel_unreachable": ("kanaal onbereikbaar", "channel unreachable"),
    "event_segment_assigned": ("segment toegewezen", "segment assigned"),
    "event_segment_changed": ("segment gewijzigd", "segment changed"),
    "contact_status_planned": ("gepland", "planned"),
    "contact_status_sent": ("verstuurd", "sent"),
    "contact_status_failed": ("mislukt", "failed"),
    "contact_status_cancelled": ("geannuleerd", "cancelled"),
    "contact_status_delivered": ("afgeleverd", "delivered"),
    "contact_status_sending": ("wordt verstuurd", "sending"),
    "field_amount_cents": ("bedrag", "amount"),
    "field_costs_cents": ("incassokosten", "collection costs"),
    "field_unallocated_cents": ("niet toegewezen", "unallocated"),
    "field_channel": ("kanaal", "channel"),
    "field_stage": ("fase", "stage"),
    "field_scheduled_at": ("gepland voor", "planned for"),
    "field_until": ("tot en met", "until"),
    "field_promised_date": ("belooft te betalen op", "promises to pay on"),
    "field_number": ("nummer", "number"),
    "field_invoice": ("factuur", "invoice"),
    "field_tone": ("toon", "tone"),
    "field_reason": ("reden", "reason"),
    "field_note": ("notitie", "note"),
    "field_text": ("tekst", "text"),
    "field_to": ("aan", "to"),
    "by_system": ("automatisch", "automatic"),
    "by_scheduler": ("dagelijkse ronde", "daily cycle"),
    "by_dispatcher": ("verzending", "dispatcher"),
    "by_provider": ("provider", "provider"),
    "by_api": ("koppeling (API)", "API"),
    "by_bank": ("bank", "bank"),
    "by_import": ("import", "import"),
}
VALUES = ("channel_", "stage_", "tone_")  # prefixes whose words are features.specs.VALUE_WORDS


class EventWords:
    """Formats dossier events for one language and time zone."""

    def __init__(self, language: str, timezone: str) -> None:
        self.lang = Lang(as_language(language))
        self.col = 0 if self.lang.code == "nl" else 1
        self.zone = ZoneInfo(timezone)

    def known(self, key: str) -> bool:
        return key in WORDS

    def word(self, prefix: str, code: str) -> str:
        """``prefix + code`` in words when known, else the code with spaces."""
        if prefix + code in WORDS:
            return WORDS[prefix + code][self.col]
        if prefix in VALUES and code in VALUE_WORDS:
            return VALUE_WORDS[code][self.col]
        return code.replace("_", " ")

    def contact(self, tone: str | None, stage: str, status: str) -> str:
        parts = [self.word("tone_", tone) if tone else "", self.word("stage_", stage),
                 self.word("contact_status_", status)]  # fmt: skip
        return " · ".join(p for p in parts if p)

    def event_title(self, kind: str) -> str:
        return self.word("event_", kind)

    def actor(self, actor: str) -> str:
        return actor.removeprefix("user:") if actor.startswith("user:") else self.word("by_", actor)

    def value(self, field: str, value: object, by_user: bool) -> str | None:
        """The field's value in words; None: not for a person (a system's English reason)."""
        if field.endswith("_cents") and isinstance(value, int):
            return self.lang.money(value)
        if field in ("channel", "stage", "tone"):
            return self.word(field + "_", str(value))
        if field == "reason":  # a person's own words, or a known system reason
            known = f"event_outcome_{value}" in WORDS
            return self.word("event_outcome_", str(value)) if known or by_user else None
        if isinstance(value, str) and field in ("until", "promised_date"):
            return self.lang.long_date(date.fromisoformat(value[:10]))
        if isinstance(value, str) and field.endswith("_at"):
            return self.lang.date_time(datetime.fromisoformat(value).astimezone(self.zone))
        return str(value)

    def fields(self, actor: str, payload: Mapping[str, object]) -> str:
        """Each readable field as "label: value" (ids and keys left out)."""
        by_user = actor.startswith("user:")
        shown = {
            k: self.value(k, v, by_user)
            for k, v in payload.items()
            if f"field_{k}" in WORDS and v not in (None, "", [], {})
        }
        return ", ".join(
            f"{WORDS['field_' + k][self.col]}: {v}" for k, v in shown.items() if v is not None
        )

    def event(self, actor: str, payload: Mapping[str, object]) -> str:
        """Who, then the readable fields."""
        fields = self.fields(actor, payload)
        return " · ".join([self.actor(actor), fields] if fields else [self.actor(actor)])
