"""``/v1/segments``: a creditor's debtor groups — create, change (audited), list, apply
the assignment rules — and ``PUT /v1/debtors/{id}/segment`` to put one debtor in a segment by
hand. Validation is :class:`policy.segments.SegmentConfig`'s, the work
:mod:`serving.operate.segments`'."""

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from sqlmodel import Session, col, select

from ledger.tables import Debtor, Segment
from policy.segments import SegmentConfig, SegmentConfigPatch
from serving.api.deps import CreditorDep, IdPath, PrincipalDep, SessionDep
from serving.api.errors import ApiError, invalid_body
from serving.api.routes.creditors import actor_of
from serving.api.schemas import AssignedOut, DebtorSegmentIn, SegmentChangedOut, SegmentOut
from serving.operate import segments

router = APIRouter(prefix="/v1", tags=["segments"])


def _segment(session: Session, creditor_id: int, segment_id: int, field: str) -> Segment:
    row = session.get(Segment, segment_id)
    if row is None or row.creditor_id != creditor_id:
        raise ApiError(404, field, f"no segment {segment_id}")
    return row


def _out(row: Segment) -> SegmentOut:
    return SegmentOut(id=row.id or 0, **segments.config_of(row).model_dump())


def _changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    return {k: {"old": old, "new": new} for k, (old, new) in changes.items()}


@router.get("/segments", summary="The creditor's segments")
def list_segments(session: SessionDep, creditor_id: CreditorDep) -> list[SegmentOut]:
    rows = session.exec(
        select(Segment).where(Segment.creditor_id == creditor_id).order_by(col(Segment.id))
    )
    return [_out(r) for r in rows]


@router.post("/segments", status_code=201, summary="Create a segment (audited)")
def create_segment(
    body: SegmentConfig, session: SessionDep, creditor_id: CreditorDep, principal: PrincipalDep
) -> SegmentOut:
    try:
        row = segments.create(session, creditor_id, body, actor=actor_of(principal))
    except segments.SegmentExistsError as err:
        raise ApiError(409, "body.name", str(err)) from None
    session.commit()
    return _out(row)


@router.get("/segments/{segment_id}", summary="One segment")
def read_segment(segment_id: IdPath, session: SessionDep, creditor_id: CreditorDep) -> SegmentOut:
    return _out(_segment(session, creditor_id, segment_id, "path.segment_id"))


@router.patch("/segments/{segment_id}", summary="Change a segment (validated whole; audited)")
def change_segment(
    segment_id: IdPath,
    body: SegmentConfigPatch,
    session: SessionDep,
    creditor_id: CreditorDep,
    principal: PrincipalDep,
) -> SegmentChangedOut:
    row = _segment(session, creditor_id, segment_id, "path.segment_id")
    try:
        changes = segments.patch(
            session, row, body.model_dump(exclude_unset=True), actor=actor_of(principal)
        )
    except ValidationError as err:
        raise invalid_body(err) from None
    except segments.SegmentExistsError as err:
        raise ApiError(409, "body.name", str(err)) from None
    session.commit()
    return SegmentChangedOut(changes=_changes(changes), segment=_out(row))


@router.post("/segments/assign", summary="Apply the assignment rules to every debtor")
def apply_rules(
    session: SessionDep, creditor_id: CreditorDep, principal: PrincipalDep
) -> AssignedOut:
    done = segments.apply_rules(session, creditor_id, actor=actor_of(principal))
    session.commit()
    return AssignedOut(debtors=done.debtors, moved=done.moved, per_segment=done.per_segment)


@router.put("/debtors/{debtor_id}/segment", summary="Put one debtor in a segment by hand")
def assign_debtor(
    debtor_id: IdPath,
    body: DebtorSegmentIn,
    session: SessionDep,
    creditor_id: CreditorDep,
    principal: PrincipalDep,
) -> dict[str, object]:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None or debtor.creditor_id != creditor_id:
        raise ApiError(404, "path.debtor_id", f"no debtor {debtor_id}")
    segment = None
    if body.segment_id is not None:
        segment = _segment(session, creditor_id, body.segment_id, "body.segment_id")
    moved = segments.assign_one(session, debtor, segment, actor=actor_of(principal))
    session.commit()
    return {"debtor_id": debtor_id, "segment_id": body.segment_id, "moved": moved}
