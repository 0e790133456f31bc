"""Bulk inserts from column lists: the fast path the importers need for 250,000-row files.

SQLAlchemy's per-value bind processing costs more than SQLite itself on large executemany calls,
so on SQLite the values are converted once, the way SQLAlchemy's own types store them (dates as
ISO text, UTC timestamps as naive ``YYYY-MM-DD HH:MM:SS.ffffff``, JSON as text), and handed to the
driver; other databases go through a normal Core ``insert`` executemany. Never bypasses the
constraints of the schema: it is the same INSERT, only without the Python-side processing.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from ledger.types import UTCDateTime

Progress = Callable[[str, int, int], None]
CHUNK = 20_000


def values(series: "pd.Series[Any]") -> list[Any]:
    """A column as plain Python values: dates as ``date``, ints as ``int``, missing as None."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        days = series.dt.date
        return [None if d is pd.NaT or not isinstance(d, date) else d for d in days.tolist()]
    out = series.astype(object).where(series.notna(), None).tolist()
    return [v.item() if hasattr(v, "item") else v for v in out]


def _sqlite_column(col_type: sa.types.TypeEngine[Any], data: Sequence[Any]) -> list[Any]:
    if isinstance(col_type, UTCDateTime):
        cache: dict[datetime, str] = {}
        out: list[str | None] = []
        for v in data:
            if v is None:
                out.append(None)
                continue
            text = cache.get(v)
            if text is None:
                text = cache[v] = v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            out.append(text)
        return out
    if isinstance(col_type, sa.Date):
        return [v.isoformat() if isinstance(v, date) else v for v in data]
    if isinstance(col_type, sa.JSON):
        dumps = json.dumps
        return [dumps(v) for v in data]
    if isinstance(col_type, sa.Boolean):
        return [None if v is None else int(v) for v in data]
    return list(data)


def insert(
    session: Session,
    table: type,
    columns: Mapping[str, Sequence[Any]],
    stage: str,
    progress: Progress,
) -> None:
    """INSERT every row given as equally long column lists, in chunks, reporting progress."""
    target: sa.Table = table.__table__  # type: ignore[attr-defined]
    names = list(columns)
    total = len(columns[names[0]]) if names else 0
    if total == 0:
        progress(stage, 0, 0)
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        quote = conn.dialect.identifier_preparer.quote
        lists = [_sqlite_column(target.c[n].type, columns[n]) for n in names]
        rows: list[Any] = list(zip(*lists, strict=True))
        sql = (
            f"INSERT INTO {quote(target.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        for start in range(0, total, CHUNK):
            conn.exec_driver_sql(sql, rows[start : start + CHUNK])
            progress(stage, min(start + CHUNK, total), total)
        return
    dicts = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    for start in range(0, total, CHUNK):
        conn.execute(sa.insert(target), dicts[start : start + CHUNK])
        progress(stage, min(start + CHUNK, total), total)


def ids(session: Session, table: type, key: str, creditor_id: int) -> dict[str, int]:
    """``key`` → id for all rows of one creditor."""
    t: sa.Table = table.__table__  # type: ignore[attr-defined]
    stmt = sa.select(t.c[key], t.c.id).where(t.c.creditor_id == creditor_id)
    return {str(k): int(v) for k, v in session.execute(stmt).all()}
