"""The ledger's tables: time zones, tenancy constraints, the append-only dossier, migrations."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from ledger import dossier, migrate
from ledger.db import make_engine
from ledger.tables import Contact, DossierEvent, Invoice
from ledger.types import NaiveDatetimeError
from tests import factories


def test_timestamps_come_back_aware_and_utc(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    amsterdam = timezone(timedelta(hours=1))
    c = Contact(
        creditor_id=cred.id,
        debtor_id=deb.id,
        channel="email",
        tone="friendly",
        scheduled_at=datetime(2026, 3, 2, 9, 30, tzinfo=amsterdam),
        idempotency_key="k1",
    )
    session.add(c)
    session.commit()
    session.expire_all()
    got = session.exec(select(Contact)).one()
    assert got.scheduled_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert got.scheduled_at is not None
    assert got.scheduled_at.tzinfo is not None


def test_naive_timestamp_is_refused(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    session.add(
        Contact(
            creditor_id=cred.id,
            debtor_id=deb.id,
            channel="sms",
            tone="neutral",
            scheduled_at=datetime(2026, 3, 2, 9, 30),
            idempotency_key="k2",
        )
    )
    with pytest.raises(sa.exc.StatementError) as err:
        session.flush()
    assert isinstance(err.value.orig, NaiveDatetimeError)


def test_invoice_number_unique_per_creditor_only(session: Session) -> None:
    a, b = factories.creditor(session), factories.creditor(session)
    factories.invoice(session, factories.debtor(session, a), number="2026-001")
    factories.invoice(session, factories.debtor(session, b), number="2026-001")  # other tenant: ok
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        factories.invoice(session, factories.debtor(session, a), number="2026-001")
    session.rollback()
    assert len(session.exec(select(Invoice)).all()) == 2


def test_dossier_is_append_only(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    ev = dossier.record(session, creditor_id=cred.id or 0, debtor_id=deb.id, kind="note")
    session.commit()
    ev.kind = "rewritten"
    with pytest.raises(dossier.AppendOnlyError):
        session.commit()
    session.rollback()
    session.delete(session.get(DossierEvent, ev.id))
    with pytest.raises(dossier.AppendOnlyError):
        session.flush()
    session.rollback()
    assert [
        e.kind for e in dossier.timeline(session, creditor_id=cred.id or 0, debtor_id=deb.id or 0)
    ] == ["note"]


def test_migrations_up_match_models_and_go_down(db_url: str) -> None:
    migrate.upgrade(db_url)
    assert migrate.current(db_url) is not None
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    migrate.downgrade(db_url, "base")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.upgrade(db_url)  # and up again from empty
    engine.dispose()
