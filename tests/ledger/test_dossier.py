"""The dossier's batch writer: the defaults of ``record``, the column types, the order of events."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import DossierEvent
from ledger.types import NaiveDatetimeError
from tests import factories

AMSTERDAM = timezone(timedelta(hours=1))


def test_record_many_applies_the_defaults_of_record(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    inv = factories.invoice(session, deb)
    before = datetime.now(UTC)
    n = dossier.record_many(
        session,
        [
            {"creditor_id": cred.id or 0, "kind": "bare"},
            {
                "creditor_id": cred.id or 0,
                "debtor_id": deb.id,
                "invoice_id": inv.id,
                "kind": "full",
                "occurred_at": datetime(2026, 3, 2, 9, 30, tzinfo=AMSTERDAM),
                "actor": "scheduler",
                "payload": {"nested": {"é": [1, 2]}},
            },
        ],
    )
    session.commit()
    assert n == 2
    bare, full = session.exec(select(DossierEvent).order_by(col(DossierEvent.id))).all()
    assert (bare.debtor_id, bare.invoice_id, bare.actor, bare.payload) == (None, None, "system", {})
    assert before <= bare.occurred_at <= datetime.now(UTC)
    assert bare.recorded_at == bare.occurred_at  # one instant for the batch
    assert (full.debtor_id, full.invoice_id, full.actor) == (deb.id, inv.id, "scheduler")
    assert full.occurred_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert full.occurred_at.tzinfo is not None
    assert full.payload == {"nested": {"é": [1, 2]}}


def test_record_many_keeps_the_order_of_recording(session: Session) -> None:
    """An event added with record() and not yet flushed still comes before the batch."""
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    cid, did = cred.id or 0, deb.id
    same_time = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    dossier.record(session, creditor_id=cid, debtor_id=did, kind="first", occurred_at=same_time)
    dossier.record_many(
        session,
        [
            {"creditor_id": cid, "debtor_id": did, "kind": k, "occurred_at": same_time}
            for k in ("second", "third")
        ],
    )
    session.commit()
    timeline = dossier.timeline(session, creditor_id=cid, debtor_id=did or 0)
    assert [e.kind for e in timeline] == ["first", "second", "third"]


def test_record_many_of_nothing_writes_nothing(session: Session) -> None:
    assert dossier.record_many(session, []) == 0
    assert session.exec(select(DossierEvent)).all() == []


def test_record_many_refuses_a_naive_timestamp(session: Session) -> None:
    cred = factories.creditor(session)
    naive = datetime(2026, 3, 2, 9, 0)  # what the ledger must refuse
    with pytest.raises(StatementError) as caught:
        dossier.record_many(
            session, [{"creditor_id": cred.id or 0, "kind": "note", "occurred_at": naive}]
        )
    assert isinstance(caught.value.orig, NaiveDatetimeError)


def test_events_from_record_many_are_append_only(session: Session) -> None:
    cred = factories.creditor(session)
    dossier.record_many(session, [{"creditor_id": cred.id or 0, "kind": "note"}])
    session.commit()
    event = session.exec(select(DossierEvent)).one()
    event.kind = "rewritten"
    with pytest.raises(dossier.AppendOnlyError):
        session.commit()
    session.rollback()
