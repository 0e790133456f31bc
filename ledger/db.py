"""Engines and sessions for the ledger database (SQLite by default, PostgreSQL in production)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pydantic_core
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.settings import get_settings


def _to_json(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """An engine with the pragmas the ledger relies on (SQLite: foreign keys, WAL, busy wait).

    JSON columns are written by pydantic's serialiser (Rust) rather than ``json.dumps``: the
    scoring API stores a few kilobytes of explanation per answer (``json.dumps`` of them took
    ~0.2 ms per answer under the profiler). Non-ASCII text is kept as UTF-8, NaN becomes null.
    """
    kwargs.setdefault("json_serializer", _to_json)
    if "poolclass" not in kwargs and sa.engine.make_url(url).database not in (None, "", ":memory:"):
        # the connection returned last is handed out next, not the one idle longest: taken in
        # turn, two pooled SQLite connections each found its page cache stale after the other's
        # write and read it again (the scoring API's bench ledger: 57 more page reads per call)
        kwargs.setdefault("pool_use_lifo", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = sa.create_engine(url, echo=echo, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, **kwargs)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    settings = get_settings()
    return make_engine(url or settings.resolved_database_url(), echo=settings.sql_echo)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
