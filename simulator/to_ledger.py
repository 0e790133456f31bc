"""Write a simulated history into the ledger, through the ledger's own tables and engine.

Bulk inserts (``session.execute(insert(Table), rows)``) in large batches with explicit ids, so
5,000 debtors x 540 days take seconds, not minutes. Every timestamp comes from the simulated clock
(no wall-clock ``created_at``), so the same seed gives an identical ledger. The latent traits are
NOT written to any column: :mod:`simulator.truth` writes them to a separate file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from ledger.tables import Creditor
from simulator import ledger_rows as rows
from simulator.history import History

BATCH = 20_000
TABLE_ORDER = (
    "creditor",
    "segment",
    "debtor",
    "invoice",
    "payment",
    "paymentallocation",
    "contact",
    "contactinvoice",
    "outcome",
    "dossierevent",
    "recommendation",
)


def next_ids(session: Session) -> dict[str, int]:
    out = {}
    for name in TABLE_ORDER:
        table = SQLModel.metadata.tables[name]
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            out[name] = int(session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return out


def _insert(session: Session, name: str, data: list[dict[str, Any]]) -> None:
    table = SQLModel.metadata.tables[name]
    for i in range(0, len(data), BATCH):
        session.execute(sa.insert(table), data[i : i + BATCH])


def _fix_sequences(session: Session) -> None:
    """PostgreSQL: explicit ids leave the serial sequences behind; move them past the max."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in TABLE_ORDER:
        table = SQLModel.metadata.tables[name]
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 1))"
                )
            )


def write_history(
    engine: Engine, history: History, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Insert the whole history in one transaction; returns rows written per table."""
    world = history.world
    names = [c.name for c in world.cfg.creditors]
    with Session(engine) as session:
        taken = session.exec(select(Creditor.name).where(sa.column("name").in_(names))).all()
        if taken:
            raise ValueError(f"the ledger already holds creditor(s) {', '.join(taken)}")
        ids = next_ids(session)
        built = rows.build(history, ids)
        counts: dict[str, int] = {}
        for name in TABLE_ORDER:
            data = built[name]
            _insert(session, name, data)
            counts[name] = len(data)
            if progress:
                progress(name, len(data))
        _fix_sequences(session)
        session.commit()
    return counts


__all__ = ["TABLE_ORDER", "next_ids", "write_history"]
