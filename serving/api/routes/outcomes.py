"""``POST /v1/outcomes``: what came of a contact — a payment, a promise, a dispute, a complaint, a
call outcome — written to the ledger and the dossier through
:func:`serving.operate.outcome_record.record_outcome` (the call cases record theirs the same way).
"""

from datetime import UTC, datetime

from fastapi import APIRouter
from sqlmodel import select

from ledger.tables import Contact, Creditor, Debtor
from serving.api.deps import CreditorDep, SessionDep
from serving.api.errors import ApiError
from serving.api.schemas import OutcomeIn
from serving.operate.dossier_actions import ActionRefusedError
from serving.operate.outcome_record import record_outcome

router = APIRouter(prefix="/v1", tags=["outcomes"])


@router.post("/outcomes", status_code=201)
def post_outcome(
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
    creditor = session.get(Creditor, creditor_id)
    assert creditor is not None  # the key's own
    try:
        answer = record_outcome(
            session,
            creditor,
            debtor,
            kind=body.kind,
            at=at,
            actor="api",
            contact=contact,
            promised_date=body.promised_date,
            amount_cents=body.amount_cents,
            note=body.note,
            channel=body.channel,
        )
    except ActionRefusedError as err:
        raise ApiError(422, f"body.{err.field}", str(err)) from None
    session.commit()
    return answer
