"""Leases: the lease budget refused at start-up, finishes fenced by the claim token, the heartbeat
keeping a claim while a send is in flight."""

import time
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from dunflow.cli import app
from ledger.tables import Contact, Creditor
from serving.scheduler import outbox
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.lease_budget import (
    HEARTBEATS_PER_LEASE,
    LeaseTooShortError,
    check_lease,
    heartbeat_s,
    min_lease_s,
)
from serving.scheduler.sending import make_dispatcher
from serving.senders.base import Message, Receipt, TransientSendError
from serving.senders.settings import SenderSettings
from tests.serving.scheduler.test_outbox import LEASE, NOW, Recorder, _plan


def _enqueued(engine: Engine, n: int = 1) -> list[outbox.PlannedContact]:
    planned = _plan(engine, n=n)
    with Session(engine) as session:
        outbox.enqueue(session, planned)
        session.commit()
    return planned


def test_a_lease_shorter_than_the_budget_is_refused_naming_both_settings(engine: Engine) -> None:
    settings = SenderSettings(smtp_timeout_s=10, sms_webhook_timeout_s=25)
    needed = min_lease_s(25)
    with pytest.raises(LeaseTooShortError) as caught:
        make_dispatcher(engine, settings=settings, lease_s=needed - 1)
    assert "DUNFLOW_DISPATCH_LEASE_S" in str(caught.value)
    assert "DUNFLOW_SMS_WEBHOOK_TIMEOUT_S=25" in str(caught.value)
    budget = check_lease(needed, settings)
    assert budget.heartbeat_s == heartbeat_s(needed) == needed / HEARTBEATS_PER_LEASE
    assert budget.longest_timeout_setting == "DUNFLOW_SMS_WEBHOOK_TIMEOUT_S"


def test_the_defaults_satisfy_the_budget() -> None:
    from serving.scheduler.settings import SchedulerSettings

    check_lease(SchedulerSettings().dispatch_lease_s, SenderSettings())


def test_the_scheduler_refuses_to_start_with_a_short_lease(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serving.scheduler.settings import get_scheduler_settings
    from serving.senders.settings import get_sender_settings

    monkeypatch.setenv("DUNFLOW_DISPATCH_LEASE_S", "5")
    monkeypatch.setenv("DUNFLOW_SMTP_TIMEOUT_S", "10")
    get_scheduler_settings.cache_clear()
    get_sender_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["scheduler", "run-once", "--date", "2026-11-24", "--db", db_url]
        )
    finally:
        get_scheduler_settings.cache_clear()
        get_sender_settings.cache_clear()
    assert result.exit_code != 0
    assert "DUNFLOW_DISPATCH_LEASE_S=5" in result.output
    assert "DUNFLOW_SMTP_TIMEOUT_S=10" in result.output


def test_a_stale_claim_cannot_finish_even_under_the_same_worker_name(engine: Engine) -> None:
    """The fence is the claim token, not ``claimed_by``: a dispatcher that stalled past its lease
    and a newer claim by a worker of the same name (pid reuse, two threads) never mix up."""
    _enqueued(engine)
    old, new = outbox.new_token(), outbox.new_token()
    with Session(engine, expire_on_commit=False) as session:
        [cid] = outbox.claim_due(session, worker="w", token=old, now=NOW, lease=LEASE)
        assert outbox.claim_due(session, worker="w", token=new, now=NOW + LEASE * 2, lease=LEASE)
        contact = session.get(Contact, cid)
        assert contact is not None
        assert outbox.renew_claim(session, old, now=NOW + LEASE * 2, lease=LEASE) == 0
        assert not outbox.renew(session, cid, token=old, now=NOW + LEASE * 2, lease=LEASE)
        assert not outbox.mark_sent(session, contact, token=old, now=NOW, receipt="stale")
        outbox.mark_failed(session, contact, token=old, now=NOW, error="stale")
        session.refresh(contact)
        assert (contact.status, contact.claim_token) == ("sending", new)
        assert outbox.mark_sent(session, contact, token=new, now=NOW, receipt="fresh")
        session.refresh(contact)
        assert (contact.status, contact.receipt, contact.claim_token) == ("sent", "fresh", None)


def test_claims_of_dispatchers_killed_before_reaching_an_item_spend_none_of_its_attempts(
    engine: Engine,
) -> None:
    """A claim takes a batch; a dispatcher killed on its first item never tried the others. Counted
    at the claim, MAX_ATTEMPTS crashes would have failed the untried item on its first timeout
    (the crash test's lost e-mail on a busy CI machine)."""
    _enqueued(engine)
    t = NOW
    for _ in range(outbox.MAX_ATTEMPTS + 1):  # each dies holding the claim; its lease runs out
        with Session(engine) as session:
            claimed = outbox.claim_due(
                session, worker="dead", token=outbox.new_token(), now=t, lease=LEASE
            )
        assert claimed
        t += LEASE * 2
    Dispatcher(engine, worker="w", send=Recorder(TransientSendError("timeout"))).run_once(t)
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
    assert (contact.status, contact.attempts) == ("planned", 1)
    assert contact.last_error == "timeout"


def test_the_heartbeat_keeps_the_claim_while_a_send_is_in_flight(engine: Engine) -> None:
    """A send that outlasts the lease: without the heartbeat a second dispatcher would claim the
    item when the lease runs out and send it again."""
    lease = timedelta(seconds=min_lease_s(0.5))  # a 0.5-s sender timeout's lease: 1.5 s
    _enqueued(engine)
    other = Recorder()
    taken: list[int] = []

    def slow_send(creditor: Creditor, message: Message) -> Receipt:
        with Session(engine) as session:
            first = session.exec(select(Contact.claimed_until)).one()
        assert first is not None
        renewed = first
        # wait for one renewal: generous (twenty heartbeats), never a fixed sleep
        deadline = time.monotonic() + 20 * heartbeat_s(lease.total_seconds())
        while renewed <= first and time.monotonic() < deadline:
            time.sleep(heartbeat_s(lease.total_seconds()) / 10)
            with Session(engine) as session:
                renewed = session.exec(select(Contact.claimed_until)).one() or first
        assert renewed > first, "no heartbeat renewed the lease while the send was in flight"
        # a dispatcher at the moment the unrenewed lease ran out: the renewed one still holds
        stats = Dispatcher(engine, worker="other", send=other, lease=lease).run_once(first)
        taken.append(stats.claimed)
        return Receipt("test", message.idempotency_key, NOW)

    stats = Dispatcher(engine, worker="slow", send=slow_send, lease=lease).run_once(NOW)
    assert taken == [0]
    assert other.keys == []
    assert stats.sent == 1
    assert stats.lost_lease == stats.stale_sends == 0
    with Session(engine) as session:
        assert session.exec(select(Contact.status)).one() == "sent"
