"""Fault scenarios of the outbox, each returning its counts: planned, sent, re-sent, lost. Shared
by the tests (``tests/e2e/test_faults.py``, which judge) and ``benchmarks/bench_reliability.py``
(which writes the counts to ``benchmarks/results/reliability.json``): one copy of each scenario.

The sender faults run in this process with the real senders against real servers
(:mod:`tests.e2e.fault_servers`) and the dispatcher's clock stepped by the production dispatch
period (``DUNFLOW_DISPATCH_INTERVAL_S``, 30 s) and backoff (5 min, doubling): the SMTP server
really refuses connections for the passes inside its one-minute outage, and no scenario waits
for a backoff in real time. The stalls (CPU hog, SIGSTOP, a cut database connection) need real
processes and real time: :mod:`tests.e2e.fault_processes`, with leases derived from the lease
budget. This module must never judge a scenario; it only counts.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.tables import Contact, Debtor
from serving.scheduler import outbox
from serving.scheduler.dispatcher import Dispatcher, DispatchStats
from serving.scheduler.lease_budget import min_lease_for
from serving.scheduler.sending import make_dispatcher
from serving.scheduler.settings import SchedulerSettings
from serving.senders.settings import SenderSettings
from tests import factories
from tests.e2e.fault_servers import (
    Delivered,
    FaultySmtp,
    Provider,
    free_port,
    smtp_server,
    webhook_server,
)

BASE = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # a Tuesday morning
PERIOD = timedelta(seconds=SchedulerSettings().dispatch_interval_s)
# the production patience: every backoff of a contact until it is given up, plus one period
PATIENCE = outbox.BACKOFF_BASE * (2**outbox.MAX_ATTEMPTS - 1) + PERIOD
OUTAGE = timedelta(minutes=1)
# no invoice PDF: WeasyPrint's seconds per mail would measure the renderer, not the outbox
MAIL_CONFIG = {"email": {"sender": "smtp", "attach_invoice": False}}
WEBHOOK_TIMEOUT_S = 0.5  # the provider's slow answer takes three of these: always past it


@dataclass
class Counts:
    scenario: str
    database: str
    planned: int
    sent: int  # distinct contacts the receiver got
    resent: int  # copies beyond the first: what the debtor would see twice without dedup
    lost: int  # planned, never received and not recorded as refused
    failed: int  # refused for good by the receiver, recorded in the dossier
    faults: int  # faults injected that landed
    one_id_per_key: bool  # every copy of a contact carried the same Message-ID / key
    outbox_agrees: bool  # the outbox says sent for exactly what was received, nothing in flight
    stale_sends: int = 0  # sends whose finish was fenced out (a stall past the lease)
    seconds: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)


def plan(engine: Engine, n: int, *, channel: str, sender_config: dict[str, Any]) -> list[str]:
    """``n`` debtors, one overdue invoice each, one contact each due at BASE; their keys."""
    with Session(engine) as session:
        cred = factories.creditor(session, sender_config=sender_config)
        planned = []
        for i in range(n):
            deb = factories.debtor(session, cred, phone=f"+316{12000000 + i}")
            inv = factories.invoice(session, deb)
            planned.append(
                outbox.PlannedContact(
                    creditor_id=cred.id or 0,
                    debtor_id=deb.id or 0,
                    channel=channel,
                    tone="friendly",
                    stage="reminder",
                    template="reminder",
                    scheduled_at=BASE - timedelta(minutes=1),
                    idempotency_key=outbox.idempotency_key(deb.id or 0, "2026-11-17", "reminder"),
                    invoice_ids=(inv.id or 0,),
                )
            )
        outbox.enqueue(session, planned)
        session.commit()
    return [p.idempotency_key for p in planned]


def addresses(engine: Engine, keys: list[str]) -> dict[str, str]:
    """Each contact's e-mail address by its key (SMTP faults before the content key on it)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Contact.idempotency_key, Debtor.email).join(
                Debtor, col(Debtor.id) == col(Contact.debtor_id)
            )
        ).all()
    return {key: str(email) for key, email in rows if key in keys}


def count(
    name: str, engine: Engine, keys: list[str], delivered: Delivered, faults: int, **kw: Any
) -> Counts:
    with Session(engine) as session:
        status = {c.idempotency_key: c.status for c in session.exec(select(Contact))}
    got = delivered.keys()
    failed = {k for k in keys if status.get(k) == "failed" and k not in got}
    sent = {k for k, s in status.items() if s == "sent"}
    return Counts(
        scenario=name,
        database=engine.dialect.name,
        planned=len(keys),
        sent=len(got & set(keys)),
        resent=delivered.raw() - len(got),
        lost=len(set(keys) - got - failed),
        failed=len(failed),
        faults=faults,
        one_id_per_key=delivered.one_id_per_key(),
        outbox_agrees=sent == got and set(status.values()) <= {"sent", "failed"},
        **kw,
    )


def drive(
    engine: Engine, dispatcher: Dispatcher, on_pass: Callable[[datetime], None] = lambda _t: None
) -> DispatchStats:
    """Dispatcher passes every production period from BASE until nothing is left in flight or the
    production patience is over."""
    total, now = DispatchStats(), BASE
    while now <= BASE + PATIENCE:
        on_pass(now)
        total.add(dispatcher.run_once(now))
        with Session(engine) as session:
            rows = session.exec(select(Contact.status)).all()
        if all(s in ("sent", "failed", "cancelled") for s in rows):
            break
        now += PERIOD
    return total


@contextmanager
def _timed() -> Iterator[list[float]]:
    box = [time.monotonic()]
    yield box
    box[0] = round(time.monotonic() - box[0], 2)


Choose = Callable[[list[str], dict[str, str]], None]  # (keys, address by key): pick the faulty


def _smtp_run(
    engine: Engine,
    name: str,
    n: int,
    handler: FaultySmtp,
    choose: Choose = lambda _keys, _mail: None,
    outage: timedelta | None = None,
) -> Counts:
    port = free_port()
    keys = plan(engine, n, channel="email", sender_config=MAIL_CONFIG)
    choose(keys, addresses(engine, keys))
    settings = SenderSettings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_s=2, sms_webhook_timeout_s=2
    )
    lease_s = min_lease_for(settings)
    dispatcher = make_dispatcher(engine, settings=settings, worker=name, lease_s=lease_s)
    with _timed() as took:
        if outage is None:
            with smtp_server(handler, port):
                drive(engine, dispatcher)
            faults = handler.injected
        else:
            with ExitStack() as stack:

                def up_after_outage(now: datetime) -> None:
                    if now >= BASE + outage and not handler.seen_up:
                        stack.enter_context(smtp_server(handler, port))
                        handler.seen_up = True

                drive(engine, dispatcher, up_after_outage)
            faults = 1
    counts = count(name, engine, keys, handler.delivered, faults, seconds=took[0])
    counts.settings = {"smtp_timeout_s": 2, "period_s": PERIOD.total_seconds()}
    return counts


def smtp_drops(engine: Engine, n: int = 10) -> Counts:
    """The server drops the connection once for six contacts: three before the message is
    accepted (RCPT), three after it is stored (the 250 never reaches us)."""
    before: set[str] = set()
    after: set[str] = set()

    def choose(keys: list[str], mail: dict[str, str]) -> None:
        before.update(mail[k] for k in keys[:3])
        after.update(keys[3:6])

    handler = FaultySmtp(
        at_rcpt=lambda addr, k: "drop" if k == 1 and addr in before else None,
        at_data=lambda key, k: "drop" if k == 1 and key in after else None,
    )
    return _smtp_run(engine, "smtp_drops", n, handler, choose)


def smtp_4xx_then_5xx(engine: Engine, n: int = 10) -> Counts:
    """Three addresses answered 451 then 550 (refused for good), three answered 451 once."""
    refused: set[str] = set()
    busy: set[str] = set()

    def choose(keys: list[str], mail: dict[str, str]) -> None:
        refused.update(mail[k] for k in keys[:3])
        busy.update(mail[k] for k in keys[3:6])

    def rule(addr: str, k: int) -> str | None:
        if addr in refused and k <= 2:
            return ("451 4.7.1 greylisted, try later", "550 5.1.1 no such user")[k - 1]
        if addr in busy and k == 1:
            return "451 4.3.0 mailbox busy"
        return None

    return _smtp_run(engine, "smtp_4xx_then_5xx", n, FaultySmtp(at_rcpt=rule), choose)


def smtp_down_a_minute(engine: Engine, n: int = 10) -> Counts:
    """The SMTP server is down (connection refused) for the production minute from BASE."""
    return _smtp_run(engine, "smtp_down_a_minute", n, FaultySmtp(), outage=OUTAGE)


def _webhook_run(engine: Engine, name: str, n: int, provider: Provider) -> Counts:
    with webhook_server(provider) as url, _timed() as took:
        keys = plan(engine, n, channel="sms", sender_config={"sms": {"sender": "webhook"}})
        settings = SenderSettings(
            sms_webhook_url=url,
            sms_webhook_secret="fault-test-secret",  # type: ignore[arg-type]
            sms_webhook_timeout_s=WEBHOOK_TIMEOUT_S,
            smtp_timeout_s=WEBHOOK_TIMEOUT_S,
        )
        lease_s = min_lease_for(settings)
        drive(engine, make_dispatcher(engine, settings=settings, worker=name, lease_s=lease_s))
    counts = count(name, engine, keys, provider.delivered, provider.injected, seconds=took[0])
    counts.settings = {
        "webhook_timeout_s": WEBHOOK_TIMEOUT_S,
        "requests": sum(provider.requests.values()),
    }
    return counts


def webhook_timeout(engine: Engine, n: int = 6) -> Counts:
    """Every contact's first request is accepted but answered only after three timeouts."""
    provider = Provider(
        fault=lambda _key, k: "timeout" if k == 1 else None, slow_s=3 * WEBHOOK_TIMEOUT_S
    )
    return _webhook_run(engine, "webhook_timeout", n, provider)


def webhook_500(engine: Engine, n: int = 6) -> Counts:
    """Every contact's first request is answered 500 (nothing delivered)."""
    return _webhook_run(
        engine, "webhook_500", n, Provider(fault=lambda _key, k: "500" if k == 1 else None)
    )


IN_PROCESS = {
    "smtp_drops": smtp_drops,
    "smtp_4xx_then_5xx": smtp_4xx_then_5xx,
    "smtp_down_a_minute": smtp_down_a_minute,
    "webhook_timeout": webhook_timeout,
    "webhook_500": webhook_500,
}
