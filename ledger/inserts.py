"""Many rows into one table in a few statements, the table's column types applied to every value.

For the writers that add thousands of rows inside a larger transaction (the scheduler's outbox,
:func:`ledger.dossier.record_many`). Unlike :mod:`ledger.importers.bulk` nothing bypasses
SQLAlchemy's bind processing: timestamps still go through ``UTCDateTime``, JSON through the JSON
type.

* SQLite: a Core executemany; with RETURNING, SQLAlchemy's "insertmanyvalues" (multi-row
  ``VALUES``, at most 1,000 rows a statement).
* PostgreSQL: ``INSERT … SELECT … FROM unnest(:col1, :col2, …)``, one array parameter a column,
  per chunk of rows. psycopg re-parses a multi-row ``VALUES`` statement on every execution (it
  caches only short statements) and sends an executemany row by row: for the outbox's 20,000
  contacts that cost the client 0.30 ms of CPU a contact, the arrays 0.09 ms
  (``benchmarks/bench_outbox.py``).

``skip_conflicts_on`` adds ``ON CONFLICT (column) DO NOTHING``; RETURNING then yields only the rows
inserted, in no promised order: callers match them by a key, never by position.
"""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

CHUNK = 10_000  # rows per unnest statement on PostgreSQL (one array of this length per column)


def insert_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts_on: sa.Column[Any] | None = None,
    returning: Sequence[sa.Column[Any]] = (),
) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (dicts with the same keys) into ``table``; the RETURNING rows, if asked."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), CHUNK):
            stmt = _unnest_insert(table, rows[start : start + CHUNK])
            out += _finish(stmt, skip_conflicts_on, returning, conn)
        return out
    if conn.dialect.name != "sqlite":
        raise NotImplementedError(
            f"the ledger runs on SQLite or PostgreSQL, not {conn.dialect.name}"
        )
    return _finish(sqlite.insert(table), skip_conflicts_on, returning, conn, rows)


def _finish(
    stmt: sqlite.Insert | postgresql.Insert,
    skip_conflicts_on: sa.Column[Any] | None,
    returning: Sequence[sa.Column[Any]],
    conn: Connection,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[tuple[Any, ...]]:
    if skip_conflicts_on is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=[skip_conflicts_on])
    if returning:
        return [tuple(row) for row in conn.execute(stmt.returning(*returning), rows)]
    conn.execute(stmt, rows)
    return []


def _unnest_insert(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> postgresql.Insert:
    names = list(rows[0])
    arrays = [
        sa.bindparam(
            f"col_{name}",
            [r[name] for r in rows],
            type_=postgresql.ARRAY(_array_item(table.c[name])),
        )
        for name in names
    ]
    src = sa.func.unnest(*arrays).table_valued(*names).render_derived(name="src")
    return postgresql.insert(table).from_select(names, sa.select(*(src.c[n] for n in names)))


def _array_item(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    """The column's type, but strings unbounded: a cast to ``varchar(n)[]`` would cut an
    over-long value silently, where the INSERT itself refuses it as a ``VALUES`` insert would."""
    if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
        unbounded = copy.copy(column.type)
        unbounded.length = None
        return unbounded
    return column.type
