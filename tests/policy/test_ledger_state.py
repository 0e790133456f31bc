"""state_from_ledger: the ledger rows become the DebtorState the rules read."""

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger import dossier
from ledger.enums import Channel, DebtorKind, InvoiceStatus, Stage
from ledger.tables import Contact, Debtor, Outcome, Segment
from policy import allowed_actions, state_from_ledger, states_from_ledger
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger
from tests import factories

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_state_from_ledger(session: Session) -> None:
    cred = factories.creditor(
        session, allowed_weekdays=[0, 1, 2, 3, 4], min_gap_days=2, vat_deductible=False
    )
    seg = Segment(
        creditor_id=cred.id,
        name="retail",
        ladder=[{"days": 1, "channels": ["email"], "tone": "friendly", "stage": "reminder"}],
    )
    session.add(seg)
    session.flush()
    deb = factories.debtor(
        session,
        cred,
        kind="b2c",
        phone="+31612345678",
        opted_out_channels=["sms"],
        segment_id=seg.id,
    )
    inv = factories.invoice(session, deb, amount_cents=26_700, due_date=date(2026, 1, 31))
    factories.invoice(session, deb, amount_cents=5_000, status="paid", open_amount_cents=0)
    factories.invoice(session, deb, amount_cents=9_000, status="disputed")
    session.add(
        Contact(
            creditor_id=cred.id,
            debtor_id=deb.id,
            channel="letter",
            tone="firm",
            stage="fourteen_day_letter",
            sent_at=datetime(2026, 2, 20, 10, tzinfo=UTC),
            status="sent",
            idempotency_key="k1",
        )
    )
    session.add(
        Contact(
            creditor_id=cred.id,
            debtor_id=deb.id,
            channel="email",
            tone="neutral",
            scheduled_at=datetime(2026, 2, 25, 10, tzinfo=UTC),
            status="cancelled",
            idempotency_key="k2",
        )
    )
    dossier.record(
        session,
        creditor_id=cred.id,
        debtor_id=deb.id,
        kind="fourteen_day_letter_sent",
        occurred_at=datetime(2026, 2, 20, 10, tzinfo=UTC),
        payload={"costs_cents": 4_005, "invoice_ids": [inv.id]},
    )
    session.add(
        Outcome(
            creditor_id=cred.id,
            debtor_id=deb.id,
            kind="promise",
            promised_date=date(2026, 2, 27),
            occurred_at=datetime(2026, 2, 21, tzinfo=UTC),
        )
    )
    session.commit()

    s = state_from_ledger(session, deb.id or 0, NOW)
    assert s.kind == DebtorKind.B2C
    assert s.creditor.allowed_weekdays == frozenset(range(5))
    assert s.creditor.min_gap_days == 2
    assert not s.creditor.vat_deductible
    assert [i.id for i in s.invoices] == [inv.id, inv.id + 2]
    assert s.invoices[1].status == InvoiceStatus.DISPUTED
    assert s.segment == "retail"
    assert s.segment_ladder is not None
    assert s.reachable >= {Channel.EMAIL, Channel.SMS, Channel.PHONE}
    assert Channel.LETTER not in s.reachable  # no postal address
    assert s.opted_out == frozenset({Channel.SMS})
    assert s.contact_times == (datetime(2026, 2, 20, 10, tzinfo=UTC),)  # the cancelled one is not
    assert s.stage == Stage.FOURTEEN_DAY_LETTER
    assert s.letter is not None
    assert s.letter.stated_costs_cents == 4_005
    assert s.letter.sent_on == date(2026, 2, 20)
    assert s.promise_date == date(2026, 2, 27)
    assert not s.paused
    assert not s.disputed

    dossier.record(
        session,
        creditor_id=cred.id,
        debtor_id=deb.id,
        kind="paused",
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    session.add(
        Outcome(
            creditor_id=cred.id,
            debtor_id=deb.id,
            kind="dispute",
            occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
        )
    )
    session.commit()
    later = state_from_ledger(session, deb.id or 0, NOW)
    assert later.paused
    assert later.disputed
    assert [a.is_wait for a in allowed_actions(later, NOW)] == [True]
    before = state_from_ledger(session, deb.id or 0, datetime(2026, 2, 28, tzinfo=UTC))
    assert not before.paused  # facts after 'now' are not used


def test_bulk_states_equal_one_by_one(engine: Engine, tmp_path: Path) -> None:
    """``states_from_ledger`` for many debtors gives exactly each debtor's own state."""
    simulate_to_ledger(engine, 5, SimConfig(n_debtors=80, days=90), tmp_path / "t.parquet")
    now = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with Session(engine) as session:
        ids = [d.id or 0 for d in session.exec(select(Debtor))]
        bulk = states_from_ledger(session, [*ids, 10**9], now)
        assert set(bulk) == set(ids)
        for i in ids:
            assert bulk[i] == state_from_ledger(session, i, now)
