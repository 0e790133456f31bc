"""The 14-day letter (NL, B2C; BW 6:96 lid 6, HR 25-11-2016 ECLI:NL:HR:2016:2704).

A consumer owes collection costs only after a letter, sent AFTER default, that demands payment
"binnen veertien dagen na de dag van ontvangst van deze brief" and states the exact costs. Costs
are due from the day after the term (receipt + 15, extended past weekends and holidays by the
Algemene termijnenwet), or, without proof of receipt, from sending + 21. A payment within the term
lowers the costs to those over the unpaid part.

This module must never call a letter valid whose term counts from the letter date, which does not
state the cost amount, or which was sent before default.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.enums import Country, DebtorKind
from policy.collection_costs import CostBreakdown, nl_collection_costs
from policy.money import format_eur, to_decimal_string
from policy.public_holidays import extend_to_working_day

TERM_DAYS = 14
DAYS_WITHOUT_PROOF = 21
TERM_WORDING = {
    "nl": "binnen veertien dagen na de dag van ontvangst van deze brief",
    "en": "within fourteen days after the day of receipt of this letter",
}
_INVALID_TERMS = (
    re.compile(
        r"binnen\s+(14|veertien)\s+dagen\s+(na|vanaf|van|gerekend\s+vanaf)\s+(de\s+)?"
        r"(dagtekening|briefdatum|datum\s+van\s+deze\s+brief|verzenddatum|factuurdatum)",
        re.IGNORECASE,
    ),
    re.compile(
        r"within\s+(14|fourteen)\s+days\s+(of|from|after)\s+(the\s+)?"
        r"(letter\s+date|date\s+of\s+(this|the)\s+letter|dating|sending|invoice\s+date)",
        re.IGNORECASE,
    ),
)


@dataclass(frozen=True)
class LetterRecord:
    """A 14-day letter that went out, as the dossier knows it."""

    sent_on: date
    stated_costs_cents: int
    wording_valid: bool = True
    received_on: date | None = None
    invoice_ids: tuple[int, ...] = ()  # empty: treat every invoice of the debtor as covered


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def earliest_send_date(due_dates: Sequence[date]) -> date:
    """The first day a letter covering these invoices may be sent: every one must already be in
    default, which starts the day after its due date (the due date being a fatal term)."""
    if not due_dates:
        raise ValueError("a letter covers at least one invoice")
    return max(due_dates) + timedelta(days=1)


def send_refusals(sent_on: date, due_dates: Sequence[date]) -> list[str]:
    earliest = earliest_send_date(due_dates)
    if sent_on < earliest:
        return [
            f"a 14-day letter may be sent only after default: not before {earliest.isoformat()}"
        ]
    return []


def text_refusals(text: str, *, costs_cents: int) -> list[str]:
    """Why a letter text does not qualify (empty when it does)."""
    norm = _normalise(text)
    reasons: list[str] = []
    for pattern in _INVALID_TERMS:
        match = pattern.search(norm)
        if match:
            reasons.append(
                f"term counted from the letter date ({match.group(0)!r}); it must run from the "
                "day after receipt, otherwise no costs are due at all"
            )
    if not any(wording in norm for wording in TERM_WORDING.values()):
        reasons.append(
            "the term is not worded as starting the day after receipt "
            f"({TERM_WORDING['nl']!r} / {TERM_WORDING['en']!r})"
        )
    amounts = {_normalise(format_eur(costs_cents, lang)) for lang in ("nl", "en")}
    amounts.add(to_decimal_string(costs_cents))
    if costs_cents <= 0 or not any(a in norm for a in amounts):
        reasons.append(f"the exact cost amount ({format_eur(costs_cents, 'nl')}) is not stated")
    return reasons


def render_letter(
    *,
    language: str,
    debtor_name: str,
    creditor_name: str,
    invoices: Sequence[tuple[str, int]],
    costs_cents: int,
    iban: str,
) -> str:
    """A plain (B1) letter text that passes :func:`text_refusals`; the senders lay it out."""
    principal = sum(cents for _, cents in invoices)
    lines = [f"- {number}: {format_eur(cents, language)}" for number, cents in invoices]
    if language not in TERM_WORDING:
        raise ValueError(f"no 14-day letter wording for language {language!r}")
    term = TERM_WORDING[language]
    if language == "nl":
        head = [
            f"Beste {debtor_name},",
            "",
            f"U hebt deze facturen van {creditor_name} nog niet betaald:",
            *lines,
            f"Totaal: {format_eur(principal, language)}.",
            "",
            f"Betaal dit bedrag {term} op {iban}.",
            f"Betaalt u niet op tijd? Dan moet u ook incassokosten betalen: "
            f"{format_eur(costs_cents, language)}.",
        ]
    else:
        head = [
            f"Dear {debtor_name},",
            "",
            f"You have not yet paid these invoices from {creditor_name}:",
            *lines,
            f"Total: {format_eur(principal, language)}.",
            "",
            f"Please pay this amount {term} to {iban}.",
            f"If you do not pay in time, you will also owe collection costs of "
            f"{format_eur(costs_cents, language)}.",
        ]
    return "\n".join(head) + "\n"


def term_last_day(received_on: date) -> date:
    """The last day of the term: receipt + 14, moved past weekends and holidays (Atw art. 1)."""
    return extend_to_working_day(Country.NL, received_on + timedelta(days=TERM_DAYS))


def costs_due_on(*, sent_on: date, received_on: date | None = None) -> date:
    """The first day collection costs may be charged."""
    if received_on is None:
        return sent_on + timedelta(days=DAYS_WITHOUT_PROOF)
    if received_on < sent_on:
        raise ValueError("a letter cannot be received before it was sent")
    return term_last_day(received_on) + timedelta(days=1)


def letter_refusals(letter: LetterRecord, due_dates: Sequence[date]) -> list[str]:
    """Why a letter that went out does not make costs chargeable (empty when it does)."""
    reasons = send_refusals(letter.sent_on, due_dates)
    if not letter.wording_valid:
        reasons.append("the letter's term was not worded as starting the day after receipt")
    if letter.stated_costs_cents <= 0:
        reasons.append("the letter did not state the cost amount")
    return reasons


def costs_after_payments(
    principal_cents: int,
    payments: Sequence[tuple[date, int]],
    *,
    sent_on: date,
    received_on: date | None = None,
    vat_add_on: bool = False,
) -> CostBreakdown:
    """The costs over the part still unpaid when the term ended (payments on or before the last
    day of the term count; later ones do not lower the costs)."""
    if received_on is not None:
        last_day = term_last_day(received_on)
    else:
        last_day = costs_due_on(sent_on=sent_on) - timedelta(days=1)
    paid = sum(cents for day, cents in payments if day <= last_day)
    unpaid = max(0, principal_cents - paid)
    return nl_collection_costs([unpaid], on=sent_on, kind=DebtorKind.B2C, vat_add_on=vat_add_on)
