"""The outbox: bulk idempotent enqueue, exclusive claims, leases, cancellation, retries, failure."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from ledger import dossier, inserts
from ledger.tables import Contact, ContactInvoice, Creditor, DossierEvent, Invoice
from ledger.types import NaiveDatetimeError
from serving.scheduler import outbox
from serving.scheduler.dispatcher import Dispatcher
from serving.senders.base import Message, PermanentSendError, Receipt, TransientSendError
from tests import factories

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _plan(engine: Engine, n: int = 3, invoices: int = 1) -> list[outbox.PlannedContact]:
    """``n`` debtors, the i-th with ``i % invoices + 1`` invoices, and a contact planned each."""
    with Session(engine) as session:
        cred = factories.creditor(session)
        planned = []
        for i in range(n):
            deb = factories.debtor(session, cred)
            invs = [factories.invoice(session, deb) for _ in range(i % invoices + 1)]
            planned.append(
                outbox.PlannedContact(
                    creditor_id=cred.id or 0,
                    debtor_id=deb.id or 0,
                    channel="email",
                    tone="friendly",
                    stage="reminder",
                    template="reminder",
                    scheduled_at=NOW - timedelta(minutes=i),
                    idempotency_key=outbox.idempotency_key(deb.id or 0, "2026-11-24", "reminder"),
                    invoice_ids=tuple(inv.id or 0 for inv in invs),
                )
            )
        session.commit()
    return planned


class Recorder:
    def __init__(self, fail: Exception | None = None) -> None:
        self.keys: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, creditor: Creditor, message: Message) -> Receipt:
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.keys.append(message.idempotency_key)
        return Receipt(sender="test", provider_id=message.idempotency_key, sent_at=NOW, detail="")


def test_enqueue_twice_inserts_once(engine: Engine) -> None:
    planned = _plan(engine)
    with Session(engine) as session:
        assert outbox.enqueue(session, planned) == 3
        session.commit()
    with Session(engine) as session:
        assert outbox.enqueue(session, planned) == 0
        session.commit()
        assert len(session.exec(select(Contact)).all()) == 3
        kinds = [e.kind for e in session.exec(select(DossierEvent))]
        assert kinds.count("contact_planned") == 3


def _assert_outbox_holds(engine: Engine, planned: list[outbox.PlannedContact]) -> None:
    """One contact per planned one, with its own invoices and exactly one contact_planned event."""
    with Session(engine) as session:
        contacts = {c.idempotency_key: c for c in session.exec(select(Contact))}
        links = session.exec(select(ContactInvoice)).all()
        events = session.exec(
            select(DossierEvent).where(DossierEvent.kind == "contact_planned")
        ).all()
    assert sorted(contacts) == sorted(p.idempotency_key for p in planned)
    assert len(events) == len(planned)
    for p in planned:
        contact = contacts[p.idempotency_key]
        assert (contact.debtor_id, contact.channel, contact.scheduled_at) == (
            p.debtor_id,
            p.channel,
            p.scheduled_at,
        )
        assert sorted(link.invoice_id for link in links if link.contact_id == contact.id) == sorted(
            p.invoice_ids
        )
        (event,) = [e for e in events if e.payload["key"] == p.idempotency_key]
        assert (event.debtor_id, event.actor) == (p.debtor_id, "scheduler")
        assert event.payload["contact_id"] == contact.id
        assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("chunk", [outbox.CHUNK, 2], ids=["one-chunk", "chunks-of-2"])
def test_bulk_enqueue_skips_known_and_repeated_keys(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(outbox, "CHUNK", chunk)
    monkeypatch.setattr(inserts, "CHUNK", chunk)
    planned = _plan(engine, n=6, invoices=3)
    with Session(engine) as session:
        assert outbox.enqueue(session, [planned[1], planned[4]]) == 2
        session.commit()
    # the same key again in one call, with other content: the first one given wins
    second_try = replace(planned[2], channel="letter", invoice_ids=planned[2].invoice_ids[:1])
    # conflicts come first and in between, so a mapping of returned ids by position would shift
    batch = [planned[1], planned[0], planned[2], second_try, planned[3], planned[4], planned[0]]
    with Session(engine) as session:
        assert outbox.enqueue(session, [*batch, planned[5]]) == 4
        session.commit()
    _assert_outbox_holds(engine, planned)
    with Session(engine) as session:
        assert outbox.enqueue(session, [*planned, *reversed(planned)]) == 0
        session.commit()
    _assert_outbox_holds(engine, planned)


def test_enqueue_commits_nothing(engine: Engine) -> None:
    planned = _plan(engine, n=3, invoices=2)
    with Session(engine) as session:
        assert outbox.enqueue(session, planned) == 3
        session.rollback()
    with Session(engine) as session:
        for table in (Contact, ContactInvoice, DossierEvent):
            assert session.exec(select(table)).all() == []


def test_enqueue_keeps_the_order_of_what_the_caller_recorded_first(engine: Engine) -> None:
    """A dossier event still pending in the session is flushed before the bulk inserts."""
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        dossier.record(session, creditor_id=planned[0].creditor_id, kind="note")
        assert session.new  # not flushed yet
        late = replace(planned[0], idempotency_key="late", invoice_ids=())
        assert outbox.enqueue(session, [*planned, late]) == 2
        session.commit()
        kinds = [e.kind for e in session.exec(select(DossierEvent).order_by(col(DossierEvent.id)))]
    assert kinds == ["note", "contact_planned", "contact_planned"]


def test_enqueue_refuses_a_naive_timestamp(engine: Engine) -> None:
    """The column types still apply to the bulk insert: UTCDateTime refuses a naive datetime."""
    planned = _plan(engine, n=1)
    naive = replace(planned[0], scheduled_at=NOW.replace(tzinfo=None))
    with Session(engine) as session, pytest.raises(StatementError) as caught:
        outbox.enqueue(session, [naive])
    assert isinstance(caught.value.orig, NaiveDatetimeError)


@pytest.mark.parametrize("names", [("w0", "w1"), ("same", "same")])
def test_two_dispatchers_never_send_twice(engine: Engine, names: tuple[str, str]) -> None:
    """Also under one worker name (two threads of one process): the claim token keeps the two
    dispatchers' claims apart, not ``claimed_by``."""
    planned = _plan(engine, n=12)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    rec = Recorder()
    workers = [Dispatcher(engine, worker=name, send=rec, batch=2) for name in names]
    threads = [threading.Thread(target=w.run_once, args=(NOW,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(rec.keys) == sorted(p.idempotency_key for p in planned)
    with Session(engine) as session:
        assert {c.status for c in session.exec(select(Contact))} == {"sent"}


def test_not_due_yet_is_left_alone(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    rec = Recorder()
    Dispatcher(engine, worker="w", send=rec).run_once(NOW - timedelta(hours=1))
    assert rec.keys == []


def test_expired_lease_is_claimed_again_with_the_same_key(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
        dead = outbox.new_token()
        assert outbox.claim_due(session, worker="dead", token=dead, now=NOW, lease=LEASE) != []
    rec = Recorder()
    Dispatcher(engine, worker="w", send=rec).run_once(NOW + LEASE / 2)  # lease still held
    assert rec.keys == []
    Dispatcher(engine, worker="w", send=rec).run_once(NOW + LEASE * 2)
    assert rec.keys == [planned[0].idempotency_key]


def test_a_payment_before_dispatch_cancels(engine: Engine) -> None:
    planned = _plan(engine, n=2)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        inv = session.get(Invoice, planned[0].invoice_ids[0])
        assert inv is not None
        inv.status, inv.open_amount_cents = "paid", 0
        session.add(inv)
        n = outbox.cancel_pending_for_debtor(
            session,
            creditor_id=planned[0].creditor_id,
            debtor_id=planned[0].debtor_id,
            now=NOW,
            reason="payment received",
        )
        session.commit()
    assert n == 1
    rec = Recorder()
    stats = Dispatcher(engine, worker="w", send=rec).run_once(NOW)
    assert rec.keys == [planned[1].idempotency_key]
    assert stats.sent == 1


def test_dispute_recorded_after_planning_cancels_at_dispatch(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        inv = session.get(Invoice, planned[0].invoice_ids[0])
        assert inv is not None
        inv.status = "disputed"
        session.add(inv)
        session.commit()
    rec = Recorder()
    stats = Dispatcher(engine, worker="w", send=rec).run_once(NOW)
    assert rec.keys == []
    assert stats.cancelled == 1
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.status == "cancelled"
        assert "disputed" in (contact.last_error or "")


def test_transient_failure_backs_off_then_succeeds(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    stats = Dispatcher(engine, worker="w", send=Recorder(TransientSendError("421 busy"))).run_once(
        NOW
    )
    assert stats.retried == 1
    rec = Recorder()
    Dispatcher(engine, worker="w", send=rec).run_once(NOW + timedelta(minutes=1))
    assert rec.keys == []  # still backing off
    Dispatcher(engine, worker="w", send=rec).run_once(NOW + timedelta(minutes=6))
    assert rec.keys == [planned[0].idempotency_key]


def test_permanent_failure_is_recorded_in_the_dossier(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    failing = Recorder(PermanentSendError("no e-mail address"))
    stats = Dispatcher(engine, worker="w", send=failing).run_once(NOW)
    assert stats.failed == 1
    with Session(engine) as session:
        assert session.exec(select(Contact)).one().status == "failed"
        events = session.exec(
            select(DossierEvent).where(DossierEvent.kind == "contact_failed")
        ).all()
        assert [e.payload["reason"] for e in events] == ["no e-mail address"]


def test_gives_up_after_max_attempts(engine: Engine) -> None:
    planned = _plan(engine, n=1)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    failing = Recorder(TransientSendError("timeout"))
    t = NOW
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        Dispatcher(engine, worker="w", send=failing).run_once(t)
        t += timedelta(days=1)
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.status == "failed"
        assert contact.attempts == outbox.MAX_ATTEMPTS


def test_enqueue_stamps_the_planned_events_with_the_callers_clock(engine: Engine) -> None:
    """A simulated day (the demo's live run) is the events' time, not the wall clock's."""
    planned = _plan(engine)
    simulated = datetime(2026, 10, 26, 8, 30, tzinfo=UTC)
    with Session(engine) as session:
        outbox.enqueue(session, planned, now=simulated)
        session.commit()
        stamps = {e.occurred_at for e in session.exec(select(DossierEvent))}
    assert stamps == {simulated}
