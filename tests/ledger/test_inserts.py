"""Bulk inserts with the column types applied, on SQLite and PostgreSQL (unnest arrays there)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import inserts
from ledger.tables import Contact
from tests import factories

CONTACTS: sa.Table = Contact.__table__  # type: ignore[attr-defined]
AMSTERDAM = timezone(timedelta(hours=1))


def _rows(creditor_id: int, debtor_id: int, keys: list[str]) -> list[dict[str, object]]:
    return [
        {
            "creditor_id": creditor_id,
            "debtor_id": debtor_id,
            "channel": "email",
            "tone": "friendly",
            "status": "planned",
            "idempotency_key": key,
            "scheduled_at": datetime(2026, 3, 2, 9, i, tzinfo=AMSTERDAM),
            "propensity": None if i % 2 else 0.5,
            "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        }
        for i, key in enumerate(keys)
    ]


@pytest.mark.parametrize("chunk", [inserts.CHUNK, 2], ids=["one-chunk", "chunks-of-2"])
def test_returning_yields_only_new_rows(
    session: Session, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(inserts, "CHUNK", chunk)
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    conn = session.connection()

    def insert(keys: list[str]) -> dict[str, int]:
        got = inserts.insert_rows(
            conn,
            CONTACTS,
            _rows(cred.id or 0, deb.id or 0, keys),
            skip_conflicts_on=CONTACTS.c.idempotency_key,
            returning=(CONTACTS.c.id, CONTACTS.c.idempotency_key),
        )
        return {key: cid for cid, key in got}

    first = insert(["a", "b", "c"])
    assert sorted(first) == ["a", "b", "c"]
    again = insert(["b", "d", "a", "e", "c"])
    assert sorted(again) == ["d", "e"]
    stored = {c.idempotency_key: c for c in session.exec(select(Contact))}
    assert {k: c.id for k, c in stored.items()} == first | again
    assert stored["d"].scheduled_at == datetime(2026, 3, 2, 8, 1, tzinfo=UTC)  # UTCDateTime applied
    assert (stored["a"].propensity, stored["d"].propensity) == (0.5, None)


def test_plain_insert_and_nothing_to_insert(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    conn = session.connection()
    assert inserts.insert_rows(conn, CONTACTS, []) == []
    assert inserts.insert_rows(conn, CONTACTS, _rows(cred.id or 0, deb.id or 0, ["x", "y"])) == []
    keys = session.exec(select(Contact.idempotency_key).order_by(col(Contact.id))).all()
    assert keys == ["x", "y"]


def test_an_overlong_string_is_refused_not_cut(session: Session) -> None:
    """PostgreSQL enforces varchar(16); the unnest arrays must not truncate on the way in."""
    if session.connection().dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce string lengths")
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    rows = _rows(cred.id or 0, deb.id or 0, ["long"])
    rows[0]["channel"] = "e" * 17
    with pytest.raises(sa.exc.DataError):
        inserts.insert_rows(session.connection(), CONTACTS, rows)
