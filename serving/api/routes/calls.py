"""``/v1/calls``: the call cases of a creditor — today's worklist, one case with its attempts,
outcomes reported by the call list's row key (JSON, or the text of a CSV of outcomes) — and
``PUT /v1/invoices/{number}/call-after`` for an invoice's own "call after N days past due".
The work is :mod:`serving.operate.call_cases` and :mod:`serving.operate.call_outcomes`'."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from ledger.importers.errors import ImportValidationError
from ledger.tables import CallAttempt, CallCase, Creditor
from serving.api.deps import CreditorDep, PrincipalDep, SessionDep
from serving.api.errors import ApiError
from serving.api.routes.creditors import actor_of
from serving.api.schemas import CallAfterIn, CallCaseOut, WorkItemOut
from serving.operate.call_cases import set_call_after, worklist
from serving.operate.call_outcomes import (
    CallOutcome,
    UnknownRowKeyError,
    import_outcomes,
    record_call_outcome,
)
from serving.operate.dossier_actions import ActionRefusedError

router = APIRouter(prefix="/v1", tags=["calls"])
Key = Annotated[str, Path(min_length=1, max_length=200, description="A call list row key.")]


class OutcomesCsvIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(default="outcomes.csv", min_length=1, max_length=200)
    content: str = Field(max_length=5_000_000, description="The CSV file's text.")


def _creditor(session: Session, creditor_id: int) -> Creditor:
    row = session.get(Creditor, creditor_id)
    assert row is not None  # the key's own
    return row


@router.get("/calls/worklist", summary="Today's calls in calling order")
def get_worklist(
    session: SessionDep,
    creditor_id: CreditorDep,
    day: Annotated[date | None, Query(description="The day (default: today).")] = None,
) -> list[WorkItemOut]:
    day = day or datetime.now(UTC).date()
    if not date(2000, 1, 1) <= day <= date(2999, 12, 31):
        raise ApiError(422, "query.day", "out of range")
    items = worklist(session, creditor_id, day)
    return [WorkItemOut.model_validate(item, from_attributes=True) for item in items]


@router.get("/calls/cases/{key}", summary="One call case with its attempts")
def read_case(key: Key, session: SessionDep, creditor_id: CreditorDep) -> CallCaseOut:
    case = session.exec(
        select(CallCase).where(CallCase.creditor_id == creditor_id, CallCase.key == key)
    ).first()
    if case is None:
        raise ApiError(404, "path.key", f"no call case {key!r}")
    attempts = session.exec(
        select(CallAttempt).where(CallAttempt.case_id == case.id).order_by(col(CallAttempt.number))
    ).all()
    return CallCaseOut.model_validate(
        {**case.model_dump(), "attempts": [a.model_dump() for a in attempts]}
    )


@router.post("/calls/outcomes", status_code=201, summary="Report a call by its row key")
def post_call_outcome(
    body: CallOutcome, session: SessionDep, creditor_id: CreditorDep, principal: PrincipalDep
) -> dict[str, Any]:
    creditor = _creditor(session, creditor_id)
    try:
        answer = record_call_outcome(
            session, creditor, body, actor=actor_of(principal), now=datetime.now(UTC)
        )
    except UnknownRowKeyError as err:
        raise ApiError(404, "body.row_key", str(err)) from None
    except ActionRefusedError as err:
        raise ApiError(422, f"body.{err.field}", str(err)) from None
    session.commit()
    return answer


@router.post(
    "/calls/outcomes.csv",
    status_code=201,
    summary="Import a CSV of call outcomes (all rows or none)",
)
def post_call_outcomes_csv(
    body: OutcomesCsvIn, session: SessionDep, creditor_id: CreditorDep, principal: PrincipalDep
) -> dict[str, Any]:
    creditor = _creditor(session, creditor_id)
    try:
        answers = import_outcomes(
            session,
            creditor,
            body.content,
            filename=body.filename,
            actor=actor_of(principal),
            now=datetime.now(UTC),
        )
    except ImportValidationError as err:
        session.rollback()
        raise RequestValidationError(
            [
                {"loc": ("body", "content", f"row {e.row}", e.column), "msg": str(e)}
                for e in err.errors
            ]
        ) from None
    session.commit()
    return {"recorded": len(answers), "outcomes": answers}


@router.put("/invoices/{number}/call-after", summary="An invoice's own call-after days (audited)")
def put_call_after(
    number: Annotated[str, Path(min_length=1, max_length=64)],
    body: CallAfterIn,
    session: SessionDep,
    creditor_id: CreditorDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    try:
        invoice = set_call_after(session, creditor_id, number, body.days, actor=actor_of(principal))
    except LookupError as err:
        raise ApiError(404, "path.number", str(err)) from None
    session.commit()
    return {"invoice": invoice.number, "call_after_days": invoice.call_after_days}
