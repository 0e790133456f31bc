"""``make_engine``'s pool: the connection returned last is handed out next (a request then reads
through the page cache its connection warmed; taken in turn, each pooled SQLite connection found
its cache stale after the other's write); an in-memory SQLite database keeps SQLAlchemy's own
single-connection pool."""

import sqlalchemy as sa

from ledger.db import make_engine


def test_the_connection_returned_last_is_handed_out_next(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        first, last = engine.connect(), engine.connect()
        handed = [first.connection.dbapi_connection, last.connection.dbapi_connection]
        first.close()
        last.close()
        for _ in range(3):
            with engine.connect() as again:
                assert again.connection.dbapi_connection is handed[1]
    finally:
        engine.dispose()


def test_an_in_memory_ledger_keeps_one_connection_per_thread() -> None:
    engine = make_engine("sqlite://")
    assert isinstance(engine.pool, sa.pool.SingletonThreadPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 1")).scalar() == 1
