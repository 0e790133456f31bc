"""Who the daily cycle asks about: debtors with a due, open, not paused, not disputed invoice.

:func:`candidates` is one SQL query over invoices (status open or in collection, money owed, due
before the local day) minus excluded segments, then :func:`blocked_debtors` removes dossiers that
are paused (latest ``paused``/``resumed`` event is a ``paused`` still in force) or disputed (a
dispute outcome not followed by ``dispute_resolved``). The rules decide everything else; this
module only narrows who is worth an API call. It must never write to the ledger.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.enums import OutcomeKind
from ledger.tables import Debtor, DossierEvent, Invoice, Outcome, Segment
from policy.flow_state import pause_in_force

DUNNABLE_STATUS = ("open", "in_collection")
_AMS = ZoneInfo("Europe/Amsterdam")


def blocked_debtors(
    session: Session, creditor_id: int, now: datetime, debtor_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """Debtors whose whole dossier is closed to contact at ``now``, with the reason."""
    ids = None if debtor_ids is None else list(debtor_ids)
    ev = select(
        DossierEvent.debtor_id, DossierEvent.kind, DossierEvent.occurred_at, DossierEvent.payload
    ).where(
        DossierEvent.creditor_id == creditor_id,
        col(DossierEvent.kind).in_(["paused", "resumed", "dispute_resolved"]),
        DossierEvent.occurred_at <= now,
    )
    disputes = select(Outcome.debtor_id, Outcome.occurred_at).where(
        Outcome.creditor_id == creditor_id,
        Outcome.kind == OutcomeKind.DISPUTE.value,
        Outcome.occurred_at <= now,
    )
    if ids is not None:
        ev = ev.where(col(DossierEvent.debtor_id).in_(ids))
        disputes = disputes.where(col(Outcome.debtor_id).in_(ids))
    pause: dict[int, tuple[str, Mapping[str, Any]]] = {}
    resolved: dict[int, datetime] = {}
    for debtor_id, kind, at, payload in session.exec(
        ev.order_by(col(DossierEvent.occurred_at), col(DossierEvent.id))
    ):
        if debtor_id is None:
            continue
        if kind == "dispute_resolved":
            resolved[debtor_id] = at
        else:
            pause[debtor_id] = (kind, payload)
    day = now.astimezone(_AMS).date()  # the day the rules count in (the legal window's)
    out = {
        d: "the dossier is paused"
        for d, (kind, payload) in pause.items()
        if pause_in_force(kind, payload, day)
    }
    last_dispute: dict[int, datetime] = {}
    for debtor_id, at in session.exec(disputes):
        last_dispute[debtor_id] = max(at, last_dispute.get(debtor_id, at))
    for debtor_id, at in last_dispute.items():
        if debtor_id not in resolved or resolved[debtor_id] < at:
            out.setdefault(debtor_id, "the debtor disputes the claim")
    return out


def candidates(session: Session, creditor_id: int, local_day: date, now: datetime) -> list[int]:
    """Debtor ids (ascending) worth asking the scoring API about on ``local_day``."""
    stmt = (
        select(Invoice.debtor_id)
        .join(Debtor, col(Debtor.id) == col(Invoice.debtor_id))
        .outerjoin(Segment, col(Segment.id) == col(Debtor.segment_id))
        .where(
            Invoice.creditor_id == creditor_id,
            col(Invoice.status).in_(DUNNABLE_STATUS),
            col(Invoice.open_amount_cents) > 0,
            col(Invoice.due_date) < local_day,
            sa.or_(col(Segment.id).is_(None), col(Segment.excluded).is_(False)),
        )
        .distinct()
        .order_by(col(Invoice.debtor_id))
    )
    ids = [int(d) for d in session.exec(stmt)]
    blocked = blocked_debtors(session, creditor_id, now)
    return [d for d in ids if d not in blocked]
