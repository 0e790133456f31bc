"""state_from_ledger: the ledger rows become the DebtorState the rules read, the same whether
asked for one debtor or many, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger import dossier
from ledger.enums import Channel, DebtorKind, InvoiceStatus, Stage
from ledger.tables import Contact, Creditor, Debtor, DossierEvent, Invoice, Outcome, Segment
from policy import DebtorState, allowed_actions, ledger_state, state_from_ledger, states_from_ledger
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


def test_bulk_states_equal_one_by_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``states_from_ledger`` for many debtors gives exactly each debtor's own state, however the
    list is cut into chunks, and 5,000 ids pass SQLite's limit on bound variables."""
    simulate_to_ledger(engine, 5, SimConfig(n_debtors=80, days=90), tmp_path / "t.parquet")
    now = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with Session(engine) as session:
        ids = [d.id or 0 for d in session.exec(select(Debtor))]
        unknown = range(10**9, 10**9 + 5_000)
        bulk = states_from_ledger(session, [*ids, *unknown], now)
        assert list(bulk) == sorted(ids)
        for i in ids:
            assert bulk[i] == state_from_ledger(session, i, now)
        monkeypatch.setattr(ledger_state, "_SQLITE_CHUNK", 7)
        monkeypatch.setattr(ledger_state, "_CHUNK", 7)
        assert states_from_ledger(session, ids, now) == bulk
        times = [t for s in bulk.values() for t in s.contact_times]
        assert times
        assert all(t.utcoffset() is not None for t in times)


def _contact(session: Session, deb: Debtor, status: str, at: datetime, **kw: object) -> Contact:
    row = Contact(
        creditor_id=deb.creditor_id,
        debtor_id=deb.id,
        channel="email",
        tone="neutral",
        status=status,
        scheduled_at=at,
        sent_at=at if status in ("sent", "delivered") else None,
        idempotency_key=f"k-{deb.id}-{status}-{at.isoformat()}",
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def _state(session: Session, deb: Debtor, now: datetime) -> DebtorState:
    """The debtor's state asked alone and within a list (the two ways have their own queries)."""
    alone = state_from_ledger(session, deb.id or 0, now)
    among = states_from_ledger(session, [deb.id or 0, 10**9, 10**9 + 1], now)[deb.id or 0]
    assert alone == among
    return alone


def test_order_follows_ids_and_time_not_the_plan(session: Session) -> None:
    """Contacts in id order whatever their status; of two promises (or a pause and a resume) at
    the same instant the later recorded one counts."""
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    factories.invoice(session, deb)
    at = datetime(2026, 2, 20, 10, tzinfo=UTC)
    _contact(session, deb, "planned", at + timedelta(days=9))
    _contact(session, deb, "sent", at)
    _contact(session, deb, "cancelled", at + timedelta(days=1))
    _contact(session, deb, "delivered", at + timedelta(days=3))
    for promised in (date(2026, 3, 12), date(2026, 3, 10)):
        session.add(
            Outcome(
                creditor_id=cred.id,
                debtor_id=deb.id,
                kind="promise",
                promised_date=promised,
                occurred_at=at,
            )
        )
        session.flush()
    for kind in ("paused", "resumed"):
        dossier.record(
            session, creditor_id=cred.id or 0, debtor_id=deb.id, kind=kind, occurred_at=at
        )
        session.flush()
    session.commit()

    s = _state(session, deb, NOW)
    assert s.contact_times == (at + timedelta(days=9), at, at + timedelta(days=3))
    assert s.promise_date == date(2026, 3, 10)
    assert not s.paused
    assert s.ladder_done == 3  # all three after the due date (31 January)


def test_letter_receipt_and_resolved_dispute(session: Session) -> None:
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    sent = datetime(2026, 2, 20, 23, 30, tzinfo=UTC)  # 21 February in Amsterdam
    dossier.record(
        session,
        creditor_id=cred.id or 0,
        debtor_id=deb.id,
        kind="fourteen_day_letter_received",
        occurred_at=sent - timedelta(days=1),  # an earlier letter's receipt: not this one's
    )
    dossier.record(
        session,
        creditor_id=cred.id or 0,
        debtor_id=deb.id,
        kind="fourteen_day_letter_sent",
        occurred_at=sent,
        payload={"costs_cents": 4_005, "wording_valid": False},
    )
    session.add(Outcome(creditor_id=cred.id, debtor_id=deb.id, kind="dispute", occurred_at=sent))
    session.commit()
    s = _state(session, deb, NOW)
    assert s.letter is not None
    assert (s.letter.sent_on, s.letter.received_on) == (date(2026, 2, 21), None)
    assert not s.letter.wording_valid
    assert s.letter.invoice_ids == ()
    assert s.disputed

    dossier.record(
        session,
        creditor_id=cred.id or 0,
        debtor_id=deb.id,
        kind="fourteen_day_letter_received",
        occurred_at=datetime(2026, 2, 22, 9, tzinfo=UTC),
    )
    dossier.record(
        session,
        creditor_id=cred.id or 0,
        debtor_id=deb.id,
        kind="dispute_resolved",
        occurred_at=sent + timedelta(days=2),
    )
    session.commit()
    s = _state(session, deb, NOW)
    assert s.letter is not None
    assert s.letter.received_on == date(2026, 2, 22)
    assert not s.disputed

    dossier.record(
        session,
        creditor_id=cred.id or 0,
        debtor_id=deb.id,
        kind="fourteen_day_letter_received",
        occurred_at=datetime(2026, 2, 25, 12, tzinfo=UTC),
        payload={"received_on": "2026-02-24"},
    )
    session.commit()
    s = _state(session, deb, NOW)
    assert s.letter is not None
    assert s.letter.received_on == date(2026, 2, 24)


def test_another_creditors_rows_are_not_the_debtors(session: Session) -> None:
    """Rows of another tenant that point at the debtor change nothing."""
    cred, other = factories.creditor(session), factories.creditor(session)
    deb = factories.debtor(session, cred)
    before = state_from_ledger(session, deb.id or 0, NOW)
    at = datetime(2026, 2, 20, 10, tzinfo=UTC)
    session.add(
        Invoice(
            creditor_id=other.id,
            debtor_id=deb.id,
            number="X-1",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            amount_cents=100,
            open_amount_cents=100,
        )
    )
    session.add(
        Contact(
            creditor_id=other.id,
            debtor_id=deb.id,
            channel="letter",
            tone="firm",
            stage="bailiff",
            status="sent",
            sent_at=at,
            idempotency_key="other",
        )
    )
    session.add(Outcome(creditor_id=other.id, debtor_id=deb.id, kind="dispute", occurred_at=at))
    session.add(DossierEvent(creditor_id=other.id, debtor_id=deb.id, kind="paused", occurred_at=at))
    session.commit()
    s = _state(session, deb, NOW)
    assert s == before


def test_rows_not_yet_flushed_count(session: Session) -> None:
    """As with an ORM query, what the session holds but has not written yet is read."""
    cred = factories.creditor(session)
    deb = factories.debtor(session, cred)
    session.commit()
    session.add(
        Outcome(
            creditor_id=cred.id,
            debtor_id=deb.id,
            kind="dispute",
            occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )
    cred_row = session.get(Creditor, cred.id)
    assert cred_row is not None
    cred_row.min_gap_days = 9
    assert state_from_ledger(session, deb.id or 0, NOW).disputed
    assert state_from_ledger(session, deb.id or 0, NOW).creditor.min_gap_days == 9
    assert state_from_ledger(session, deb.id or 0, NOW).creditor.max_contacts_per_debtor is None
    cred_row.max_contacts_per_debtor = 4
    assert state_from_ledger(session, deb.id or 0, NOW).creditor.max_contacts_per_debtor == 4
