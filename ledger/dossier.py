"""The dossier: an append-only log per debtor and invoice.

Write through :func:`record` (one event, added to the session) or :func:`record_many` (a batch in
a few statements through :mod:`ledger.inserts`, for the scheduler's outbox). Rows are never updated
or deleted: the ORM refuses it here, and the audit in reports relies on it.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Required, TypedDict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.inserts import insert_rows
from ledger.tables import DossierEvent
from ledger.types import utcnow

_TABLE: sa.Table = DossierEvent.__table__  # type: ignore[attr-defined]


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


class NewEvent(TypedDict, total=False):
    """One event for :func:`record_many`: the keywords of :func:`record`, with its defaults."""

    creditor_id: Required[int]
    kind: Required[str]
    debtor_id: int | None
    invoice_id: int | None
    occurred_at: datetime | None
    actor: str
    payload: dict[str, Any] | None


def record_many(session: Session, events: Iterable[NewEvent]) -> int:
    """Append many events in a few statements (:func:`ledger.inserts.insert_rows`); return how many.

    The same defaults as :func:`record` (``occurred_at`` and ``recorded_at`` now, by
    :func:`ledger.types.utcnow` — one instant for the whole batch —, actor ``system``, payload
    ``{}``). The rows go through the mapped table, so its column types (UTC timestamps, JSON) apply;
    no ``DossierEvent`` objects are created, so nothing is loaded into the session.
    """
    now = utcnow()
    rows = [
        {
            "creditor_id": e["creditor_id"],
            "debtor_id": e.get("debtor_id"),
            "invoice_id": e.get("invoice_id"),
            "occurred_at": e.get("occurred_at") or now,
            "kind": e["kind"],
            "actor": e.get("actor", "system"),
            "payload": e.get("payload") or {},
            "recorded_at": now,
        }
        for e in events
    ]
    if rows:
        # A Core statement on the connection skips autoflush: flush events added by record() first
        # so that the log keeps the order in which events were recorded.
        session.flush()
        insert_rows(session.connection(), _TABLE, rows)
    return len(rows)


def timeline(session: Session, *, creditor_id: int, debtor_id: int) -> list[DossierEvent]:
    stmt = (
        select(DossierEvent)
        .where(DossierEvent.creditor_id == creditor_id, DossierEvent.debtor_id == debtor_id)
        .order_by(col(DossierEvent.occurred_at), col(DossierEvent.id))
    )
    return list(session.exec(stmt))
