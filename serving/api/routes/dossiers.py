"""``/v1/debtors/{id}/actions`` and ``/dossier``: act on a debtor's dossier (pause, resume,
dispute, resolve a dispute, promise, note — :mod:`serving.operate.dossier_actions`) and read it
back with what the rules make of it now; ``/export.zip``: the dossier for a collection agency
(:mod:`serving.operate.dossier_export`); ``/v1/notifications``: what the creditor was told
(complaints). A creditor's key, its own debtors only."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import Debtor, DossierEvent
from policy import state_from_ledger
from serving.api.deps import CreditorDep, IdPath, PrincipalDep, SessionDep
from serving.api.errors import ApiError
from serving.api.routes.creditors import actor_of
from serving.api.schemas import DossierEventOut, DossierOut
from serving.operate.dossier_actions import ActionRefusedError, DossierAction, act
from serving.operate.dossier_export import export_zip
from serving.operate.outcome_effects import NOTIFICATION

router = APIRouter(prefix="/v1", tags=["dossiers"])


def _debtor(session: Session, creditor_id: int, debtor_id: int) -> Debtor:
    row = session.get(Debtor, debtor_id)
    if row is None or row.creditor_id != creditor_id:
        raise ApiError(404, "path.debtor_id", f"no debtor {debtor_id}")
    return row


def _event(e: DossierEvent) -> DossierEventOut:
    return DossierEventOut(
        id=e.id or 0,
        at=e.occurred_at,
        kind=e.kind,
        actor=e.actor,
        invoice_id=e.invoice_id,
        payload=e.payload,
    )


@router.post(
    "/debtors/{debtor_id}/actions",
    status_code=201,
    summary="Pause, resume, dispute, resolve a dispute, record a promise or add a note",
)
def act_on_dossier(
    debtor_id: IdPath,
    body: DossierAction,
    session: SessionDep,
    creditor_id: CreditorDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    debtor = _debtor(session, creditor_id, debtor_id)
    try:
        answer = act(session, debtor, body, actor=actor_of(principal), now=datetime.now(UTC))
    except ActionRefusedError as err:
        raise ApiError(422, f"body.{err.field}", str(err)) from None
    session.commit()
    return answer


@router.get("/debtors/{debtor_id}/dossier", summary="The dossier and the rules' view of it now")
def read_dossier(debtor_id: IdPath, session: SessionDep, creditor_id: CreditorDep) -> DossierOut:
    debtor = _debtor(session, creditor_id, debtor_id)
    state = state_from_ledger(session, debtor.id or 0, datetime.now(UTC))
    events = dossier.timeline(session, creditor_id=creditor_id, debtor_id=debtor.id or 0)
    return DossierOut(
        debtor_id=debtor.id or 0,
        paused=state.paused,
        disputed=state.disputed,
        promise_date=state.promise_date,
        segment=state.segment,
        usable_channels=sorted(state.usable_channels()),
        events=[_event(e) for e in events],
    )


@router.get(
    "/debtors/{debtor_id}/export.zip",
    summary="The dossier for a collection agency: summary.pdf, dossier.json and CSVs",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_dossier(debtor_id: IdPath, session: SessionDep, creditor_id: CreditorDep) -> Response:
    debtor = _debtor(session, creditor_id, debtor_id)
    data = export_zip(session, debtor, datetime.now(UTC))
    name = f"dossier-{debtor.external_id}.zip".replace('"', "")
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/notifications", summary="What the creditor was told (complaints), newest first")
def notifications(session: SessionDep, creditor_id: CreditorDep) -> list[DossierEventOut]:
    rows = session.exec(
        select(DossierEvent)
        .where(DossierEvent.creditor_id == creditor_id, DossierEvent.kind == NOTIFICATION)
        .order_by(col(DossierEvent.occurred_at).desc(), col(DossierEvent.id).desc())
        .limit(200)
    )
    return [_event(e) for e in rows]
