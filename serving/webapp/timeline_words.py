"""The Dossier timeline in the page's language: a contact's tone, stage and status, a dossier
event's name, who did it and the payload fields a person reads — amounts as money, channels and
stages as words, dates as dates — never the stored codes and cents ("contact_planned",
"amount_cents: 2485771"). Words live in :mod:`serving.webapp.messages_timeline`; this module only
formats.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from serving.reports.i18n import Lang, as_language
from serving.webapp.messages import MESSAGES

Translate = Callable[..., str]


class TimelineWords:
    """Formats the timeline's titles and details for one language and time zone."""

    def __init__(self, language: str, timezone: str, t: Translate) -> None:
        self.lang = Lang(as_language(language))
        self.zone = ZoneInfo(timezone)
        self.t = t

    def word(self, prefix: str, code: str) -> str:
        """``prefix + code`` in words when the app has them, else the code with spaces."""
        key = prefix + code
        return self.t(key) if key in MESSAGES else code.replace("_", " ")

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
        if field == "channel":
            return self.word("channel_", str(value))
        if field == "stage":
            return self.word("stage_", str(value))
        if field == "reason":  # a person's own words, or a known system reason
            known = f"event_outcome_{value}" in MESSAGES
            return self.word("event_outcome_", str(value)) if known or by_user else None
        if isinstance(value, str) and field in ("until", "promised_date"):
            return self.lang.long_date(date.fromisoformat(value[:10]))
        if isinstance(value, str) and field.endswith("_at"):
            return self.lang.date_time(datetime.fromisoformat(value).astimezone(self.zone))
        return str(value)

    def event(self, actor: str, payload: Mapping[str, object]) -> str:
        """Who, then each readable field as "label: value" (ids and keys left out)."""
        by_user = actor.startswith("user:")
        shown = {
            k: self.value(k, v, by_user)
            for k, v in payload.items()
            if f"field_{k}" in MESSAGES and v not in (None, "", [], {})
        }
        fields = [f"{self.t('field_' + k)}: {v}" for k, v in shown.items() if v is not None]
        return " · ".join([self.actor(actor), ", ".join(fields)] if fields else [self.actor(actor)])
