"""Record one outcome — a payment, a promise, a dispute, a complaint, a copy wanted, unreachable —
in the ledger and the dossier, and set in motion what it implies.

Shared by ``POST /v1/outcomes`` and the call cases (:mod:`serving.operate.call_cases`), so an
outcome reported on a call list acts exactly like one reported through the API: a payment is
allocated, a payment or dispute cancels the pending contacts no longer wanted, and "wants a copy",
"complaint" and "unreachable" act as :mod:`serving.operate.outcome_effects` says. Adds to the
caller's session; the caller commits. This module must never act on another creditor's debtor.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from ledger import dossier
from ledger.enums import Channel
from ledger.payments import record_payment
from ledger.tables import Contact, Creditor, Debtor, Outcome
from serving.operate.dossier_actions import ActionRefusedError, cancel_all_planned
from serving.operate.outcome_effects import after_outcome
from serving.scheduler.outbox import cancel_pending_for_debtor


def check_outcome(
    kind: str, at: datetime, promised_date: date | None, amount_cents: int | None
) -> None:
    """:class:`ActionRefusedError` naming the field when the outcome lacks what its kind needs."""
    if kind == "promise" and promised_date is None:
        raise ActionRefusedError(
            "promised_date", "a promise needs the date promised", "promise_needs_date"
        )
    if kind == "promise" and promised_date is not None and promised_date < at.date():
        raise ActionRefusedError(
            "promised_date", "lies before the outcome itself", "before_outcome"
        )
    if kind == "paid" and amount_cents is None:
        raise ActionRefusedError(
            "amount_cents", "a payment needs its amount", "payment_needs_amount"
        )


def record_outcome(
    session: Session,
    creditor: Creditor,
    debtor: Debtor,
    *,
    kind: str,
    at: datetime,
    actor: str,
    contact: Contact | None = None,
    promised_date: date | None = None,
    amount_cents: int | None = None,
    note: str | None = None,
    channel: Channel | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the outcome and its effects; returns what was done (ids, cancellations)."""
    check_outcome(kind, at, promised_date, amount_cents)
    creditor_id, debtor_id = creditor.id or 0, debtor.id or 0
    outcome = Outcome(
        creditor_id=creditor_id,
        contact_id=contact.id if contact is not None else None,
        debtor_id=debtor_id,
        kind=kind,
        promised_date=promised_date,
        occurred_at=at,
        note=note,
    )
    session.add(outcome)
    session.flush()
    dossier.record(
        session,
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        kind=f"outcome_{kind}",
        actor=actor,
        occurred_at=at,
        payload={
            "outcome_id": outcome.id,
            "contact_id": contact.id if contact is not None else None,
            "promised_date": promised_date.isoformat() if promised_date else None,
            "amount_cents": amount_cents,
            **(extra or {}),
        },
    )
    answer: dict[str, Any] = {"outcome_id": outcome.id}
    if kind == "paid" and amount_cents is not None:
        paid = record_payment(
            session,
            creditor_id=creditor_id,
            debtor_id=debtor_id,
            amount_cents=amount_cents,
            paid_on=at.date(),
            external_ref=f"{actor}-{outcome.id}-{uuid.uuid4().hex[:8]}",
            source="api",
            occurred_at=at,
        )
        answer["payment_id"] = paid.payment.id
        answer["paid_invoices"] = paid.paid_invoices
    if kind == "dispute":  # a dispute stops the whole dossier until it is resolved
        answer["cancelled_contacts"] = cancel_all_planned(session, debtor, at, reason="dispute")
    elif kind == "paid":
        answer["cancelled_contacts"] = cancel_pending_for_debtor(
            session, creditor_id=creditor_id, debtor_id=debtor_id, now=at, reason=kind
        )
    answer.update(
        after_outcome(
            session, creditor, debtor, kind=kind, at=at, contact=contact, channel=channel, note=note
        )
    )
    return answer
