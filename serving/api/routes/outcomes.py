"""``POST /v1/outcomes``: what came of a contact — a payment, a promise, a dispute, a complaint, a
call outcome — written to the ledger and the dossier. A payment or dispute cancels the debtor's
pending contacts that are no longer wanted, in the same transaction; "wants a copy", "complaint"
and "unreachable" act as :mod:`serving.operate.outcome_effects` says."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlmodel import select

from ledger import dossier
from ledger.payments import record_payment
from ledger.tables import Contact, Creditor, Debtor, Outcome
from serving.api.deps import CreditorDep, SessionDep
from serving.api.errors import ApiError
from serving.api.schemas import OutcomeIn
from serving.operate.dossier_actions import cancel_all_planned
from serving.operate.outcome_effects import after_outcome
from serving.scheduler.outbox import cancel_pending_for_debtor

router = APIRouter(prefix="/v1", tags=["outcomes"])


@router.post("/outcomes", status_code=201)
def record_outcome(
    body: OutcomeIn, session: SessionDep, creditor_id: CreditorDep
) -> dict[str, object]:
    now = datetime.now(UTC)
    at = body.occurred_at or now
    if at.tzinfo is None:
        raise ApiError(422, "body.occurred_at", "give a time zone")
    if at > now:
        raise ApiError(422, "body.occurred_at", "lies in the future")
    debtor = session.exec(
        select(Debtor).where(Debtor.id == body.debtor_id, Debtor.creditor_id == creditor_id)
    ).first()
    if debtor is None:
        raise ApiError(404, "body.debtor_id", f"no debtor {body.debtor_id}")
    contact = None
    if body.contact_id is not None:
        contact = session.exec(
            select(Contact).where(
                Contact.id == body.contact_id,
                Contact.creditor_id == creditor_id,
                Contact.debtor_id == body.debtor_id,
            )
        ).first()
        if contact is None:
            raise ApiError(404, "body.contact_id", f"no contact {body.contact_id} for this debtor")
    if body.kind == "promise" and body.promised_date is None:
        raise ApiError(422, "body.promised_date", "a promise needs the date promised")
    if body.kind == "promise" and body.promised_date and body.promised_date < at.date():
        raise ApiError(422, "body.promised_date", "lies before the outcome itself")
    if body.kind == "paid" and body.amount_cents is None:
        raise ApiError(422, "body.amount_cents", "a payment needs its amount")
    outcome = Outcome(
        creditor_id=creditor_id,
        contact_id=body.contact_id,
        debtor_id=body.debtor_id,
        kind=body.kind,
        promised_date=body.promised_date,
        occurred_at=at,
        note=body.note,
    )
    session.add(outcome)
    session.flush()
    dossier.record(
        session,
        creditor_id=creditor_id,
        debtor_id=body.debtor_id,
        kind=f"outcome_{body.kind}",
        actor="api",
        occurred_at=at,
        payload={
            "outcome_id": outcome.id,
            "contact_id": body.contact_id,
            "promised_date": body.promised_date.isoformat() if body.promised_date else None,
            "amount_cents": body.amount_cents,
        },
    )
    answer: dict[str, object] = {"outcome_id": outcome.id}
    if body.kind == "paid" and body.amount_cents is not None:
        paid = record_payment(
            session,
            creditor_id=creditor_id,
            debtor_id=body.debtor_id,
            amount_cents=body.amount_cents,
            paid_on=at.date(),
            external_ref=f"api-{outcome.id}-{uuid.uuid4().hex[:8]}",
            source="api",
        )
        answer["payment_id"] = paid.payment.id
        answer["paid_invoices"] = paid.paid_invoices
    if body.kind == "dispute":  # a dispute stops the whole dossier until it is resolved
        answer["cancelled_contacts"] = cancel_all_planned(session, debtor, at, reason="dispute")
    elif body.kind == "paid":
        answer["cancelled_contacts"] = cancel_pending_for_debtor(
            session, creditor_id=creditor_id, debtor_id=body.debtor_id, now=at, reason=body.kind
        )
    creditor = session.get(Creditor, creditor_id)
    assert creditor is not None  # the key's own
    answer.update(
        after_outcome(
            session,
            creditor,
            debtor,
            kind=body.kind,
            at=at,
            contact=contact,
            channel=body.channel,
            note=body.note,
        )
    )
    session.commit()
    return answer
