"""Turns a planned contact and the ledger rows around it into a sender ``Message``.

The figures the law demands are computed here, at dispatch time, from the ledger and ``policy``:
the 14-day letter states the exact collection costs over the principals it covers and the term
worded as the law wants it; a collection-stage message claims the costs where the law allows them
and the statutory interest (:func:`policy.claim.claim_on`). Never decides whether to send; the
dispatcher does.
"""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger.enums import Country, DebtorKind, OutcomeKind, Stage
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, Invoice, Outcome
from policy import state_from_ledger
from policy.claim import claim_on
from policy.collection_costs import collection_costs, vat_add_on_applies
from policy.fourteen_day_letter import TERM_WORDING
from policy.public_holidays import add_working_days
from serving.scheduler.candidates import DUNNABLE_STATUS
from serving.scheduler.outbox import TRANSACTIONAL
from serving.senders.base import Message
from serving.senders.from_ledger import message_for_contact


def covered_invoices(session: Session, contact_id: int) -> list[Invoice]:
    stmt = (
        select(Invoice)
        .join(ContactInvoice, col(ContactInvoice.invoice_id) == col(Invoice.id))
        .where(ContactInvoice.contact_id == contact_id)
        .order_by(col(Invoice.due_date), col(Invoice.number))
    )
    return list(session.exec(stmt))


def legal_extra(
    creditor: Creditor, debtor: Debtor, invoices: list[Invoice], on: date
) -> dict[str, Any]:
    """What a 14-day letter must state: the exact costs and the lawful wording of the term."""
    language = debtor.language if debtor.language in TERM_WORDING else "nl"
    vat = vat_add_on_applies(
        vat_deductible=creditor.vat_deductible,
        collection_outsourced=creditor.collection_outsourced,
        stated_in_letter=True,
    )
    costs = collection_costs(
        Country(creditor.country),
        DebtorKind(debtor.kind),
        [inv.open_amount_cents for inv in invoices],
        on=on,
        vat_add_on=vat and Country(creditor.country) == Country.NL,
    )
    return {
        "collection_costs_cents": costs.total_cents,
        "letter_date": on.isoformat(),
        "term_wording": TERM_WORDING[language],
    }


def claim_extra(session: Session, debtor: Debtor, now: datetime, on: date) -> dict[str, Any]:
    """What a collection-stage message claims on top of the principal."""
    claim = claim_on(state_from_ledger(session, debtor.id or 0, now), on)
    return {
        "claim_costs_cents": claim.costs_cents,
        "claim_interest_cents": claim.interest_cents,
        "claim_on": on.isoformat(),
    }


def promise_extra(
    session: Session, contact: Contact, creditor: Creditor, on: date
) -> dict[str, Any]:
    """A promise confirmation names one date: the one the debtor promised, else 5 working days
    from ``on`` (never both: two dates in one letter leave the debtor guessing)."""
    promise = session.exec(
        select(Outcome)
        .where(
            Outcome.creditor_id == contact.creditor_id,
            Outcome.debtor_id == contact.debtor_id,
            Outcome.kind == OutcomeKind.PROMISE.value,
        )
        .order_by(col(Outcome.occurred_at).desc(), col(Outcome.id).desc())
    ).first()
    if promise is not None and promise.promised_date is not None:
        return {"promised_date": promise.promised_date}
    return {"pay_by": add_working_days(Country(creditor.country), on, 5)}


def build_message(session: Session, contact: Contact, *, now: datetime) -> Message:
    creditor = session.get(Creditor, contact.creditor_id)
    debtor = session.get(Debtor, contact.debtor_id)
    if creditor is None or debtor is None:
        raise LookupError("the contact's creditor or debtor is missing from the ledger")
    template = contact.template or ""
    invoices = covered_invoices(session, contact.id or 0)
    if not template.startswith(TRANSACTIONAL):
        # a payment since planning may have settled some: a message asking for money lists only
        # what is still owed (the dispatcher cancels it when nothing is)
        invoices = [i for i in invoices if i.status in DUNNABLE_STATUS and i.open_amount_cents > 0]
    extra: dict[str, Any] = {}
    local_day = now.astimezone(ZoneInfo(creditor.timezone)).date()
    if template.startswith("promise_confirmation"):
        extra.update(promise_extra(session, contact, creditor, local_day))
    elif template.startswith(("payment_thanks", "broken_promise")):
        pass
    elif contact.stage == Stage.FOURTEEN_DAY_LETTER.value:
        extra.update(legal_extra(creditor, debtor, invoices, local_day))
    elif contact.stage in (Stage.COLLECTION.value, Stage.BAILIFF.value):
        extra.update(claim_extra(session, debtor, now, local_day))
    return message_for_contact(
        contact,
        creditor=creditor,
        debtor=debtor,
        invoices=invoices,
        send_at=contact.scheduled_at or now,
        extra=extra,
    )
