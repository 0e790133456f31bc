"""``POST /v1/outcomes``: what came of a contact — a payment, a promise, a dispute, a complaint, a
call outcome — written to the ledger and the dossier. A payment or dispute cancels the debtor's
pending contacts that are no longer wanted, in the same transaction."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlmodel import Session, select

from ledger import dossier
from ledger.enums import ContactStatus
from ledger.payments import record_payment
from ledger.tables import Contact, Debtor, Outcome
from serving.api.deps import CreditorDep, SessionDep
from serving.api.errors import ApiError
from serving.api.schemas import OutcomeIn
from serving.scheduler.outbox import cancel, cancel_pending_for_debtor

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
        answer["cancelled_contacts"] = _cancel_all_planned(session, creditor_id, body.debtor_id, at)
    elif body.kind == "paid":
        answer["cancelled_contacts"] = cancel_pending_for_debtor(
            session, creditor_id=creditor_id, debtor_id=body.debtor_id, now=at, reason=body.kind
        )
    session.commit()
    return answer


def _cancel_all_planned(session: Session, creditor_id: int, debtor_id: int, at: datetime) -> int:
    planned = session.exec(
        select(Contact).where(
            Contact.creditor_id == creditor_id,
            Contact.debtor_id == debtor_id,
            Contact.status == ContactStatus.PLANNED.value,
        )
    ).all()
    for contact in planned:
        cancel(session, contact, now=at, reason="dispute: the dossier is on hold")
    return len(planned)
