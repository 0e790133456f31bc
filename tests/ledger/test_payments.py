"""ledger.payments: a payment's dossier event carries the moment the caller gives."""

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.payments import record_payment
from ledger.tables import DossierEvent
from tests import factories


def test_the_payment_event_is_stamped_with_the_moment_given(engine: Engine) -> None:
    simulated = datetime(2026, 10, 26, 18, 0, tzinfo=UTC)
    with Session(engine) as session:
        debtor = factories.debtor(session, factories.creditor(session))
        factories.invoice(session, debtor, amount_cents=10_000)
        record_payment(
            session, creditor_id=debtor.creditor_id, debtor_id=debtor.id or 0,
            amount_cents=10_000, paid_on=date(2026, 10, 26), external_ref="p1",
            occurred_at=simulated,
        )  # fmt: skip
        session.commit()
        event = session.exec(select(DossierEvent).where(DossierEvent.kind == "payment")).one()
    assert event.occurred_at == simulated
