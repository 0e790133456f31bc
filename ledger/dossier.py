"""The dossier: an append-only log per debtor and invoice.

Write through :func:`record`. Rows are never updated or deleted: the ORM refuses it here, and the
audit in reports relies on it.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.tables import DossierEvent
from ledger.types import utcnow


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete a dossier event."""


@sa.event.listens_for(DossierEvent, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AppendOnlyError("dossier events are append-only; record a new event instead")


@sa.event.listens_for(DossierEvent, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AppendOnlyError("dossier events are append-only and cannot be deleted")


def record(
    session: Session,
    *,
    creditor_id: int,
    kind: str,
    debtor_id: int | None = None,
    invoice_id: int | None = None,
    occurred_at: datetime | None = None,
    actor: str = "system",
    payload: dict[str, Any] | None = None,
) -> DossierEvent:
    event = DossierEvent(
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        invoice_id=invoice_id,
        occurred_at=occurred_at or utcnow(),
        kind=kind,
        actor=actor,
        payload=payload or {},
    )
    session.add(event)
    return event


def timeline(session: Session, *, creditor_id: int, debtor_id: int) -> list[DossierEvent]:
    stmt = (
        select(DossierEvent)
        .where(DossierEvent.creditor_id == creditor_id, DossierEvent.debtor_id == debtor_id)
        .order_by(col(DossierEvent.occurred_at), col(DossierEvent.id))
    )
    return list(session.exec(stmt))
