"""The 60-day demo: the scheduler runs day by day against simulated debtors who answer.

Per simulated day: the world starts the day (new invoices fall due, disputes end); the scheduler
runs exactly what ``dunflow scheduler run-once`` runs — promise follow-ups and the daily cycle at
08:30 on the cycle's weekdays (scoring API over real HTTP, rules re-check, outbox), then the
dispatcher sends what is due that day through the local sinks (an SMTP server started here that
keeps ``.eml`` files; letters, call lists and SMS as files). The contacts actually sent become the
world's actions; what the world's debtors do comes back into the ledger: promises, disputes and
complaints through ``POST /v1/outcomes``, payments through ``ledger.payments.record_payment`` with
the world's allocations, followed by the scheduler's ``after_payment`` (cancel what is no longer
wanted, thank the payer). At the end: per channel what was sent, its cost and what was collected
(a payment is credited to the channel of the debtor's latest contact within 14 days), and the rule
audit over the dossier. See :mod:`dunflow.live_world` for the honest gaps of the translation.
"""

import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, col, select

from dunflow.live_world import AMS, DayFeedback, WorldLink, build_ledger
from ledger import migrate
from ledger.db import make_engine
from ledger.tables import Contact, Creditor
from serving.api.app import create_app
from serving.api.model_loader import registry_store
from serving.api.model_store import ModelStore
from serving.api.security import create_api_key
from serving.scheduler.audit import AuditReport, audit
from serving.scheduler.daily import dispatch_through, plan_day
from serving.scheduler.payments_watch import after_payment
from serving.scheduler.scoring_client import ScoringClient
from serving.scheduler.sending import make_dispatcher
from serving.scheduler.settings import SchedulerSettings
from serving.senders import LOCAL_SINKS
from serving.senders.local_mail import LocalMailServer
from serving.senders.settings import SenderSettings

ATTRIBUTION_DAYS = 14


@dataclass(frozen=True)
class LiveSimConfig:
    days: int = 60
    debtors: int = 300
    warmup_days: int = 120
    seed: int = 7
    smtp_port: int = 0  # 0: a free port
    end: date | None = None  # last simulated day; default yesterday (outcomes may not be future)
    # what the creditors state per segment before the first day (``CREDITOR:SEGMENT`` -> plan), so
    # that a plan-logging or plan champion serves those segments' plans
    segment_plans: tuple[tuple[str, str], ...] = ()


@dataclass
class ChannelFigures:
    sent: int = 0
    cost_cents: int = 0
    collected_cents: int = 0
    world_ignored: int = 0


@dataclass
class LiveSimResult:
    folder: Path
    first_day: date
    last_day: date
    channels: dict[str, ChannelFigures] = field(default_factory=dict)
    responses_sent: int = 0
    cancelled: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    collected_without_contact_cents: int = 0
    audit: AuditReport = field(default_factory=AuditReport)
    seconds: float = 0.0
    sinks: dict[str, Path] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiThread:
    """The scoring API under uvicorn, in a thread: the registry's champion when there is one
    (``MLFLOW_TRACKING_URI``), the fixed ladder otherwise."""

    def __init__(self, engine: Any, store: ModelStore | None = None) -> None:
        self.port = _free_port()
        self.store = store or registry_store()
        app = create_app(engine=engine, model_store=self.store)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dunflow-api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ApiThread":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the scoring API did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class StatedPlanError(ValueError):
    """A ``--segment-plan`` entry the live ledger cannot take (every one named)."""


def state_plans(engine: Any, plans: tuple[tuple[str, str], ...], at: datetime) -> None:
    """Each ``(CREDITOR:SEGMENT, plan)`` written to that segment as its creditor would on the
    Segments page (validated, audited as ``live-sim`` at ``at``, the simulated clock); every wrong
    entry reported at once and nothing written then."""
    from pydantic import ValidationError

    from serving.operate import segments

    errors: list[str] = []
    with Session(engine) as session:
        for name, plan in plans:
            creditor, _, segment = name.rpartition(":")
            cred = session.exec(select(Creditor).where(Creditor.name == creditor)).first()
            row = None if cred is None else segments.by_name(session, cred.id or 0, segment)
            if row is None:
                errors.append(f"--segment-plan {name}={plan}: no segment {name!r} in this ledger")
                continue
            try:
                segments.patch(session, row, {"plan": plan}, actor="live-sim", at=at)
            except ValidationError as err:
                said = "; ".join(str(e["msg"]) for e in err.errors())
                errors.append(f"--segment-plan {name}={plan}: {said}")
        if errors:
            session.rollback()
            raise StatedPlanError("\n".join(errors))
        session.commit()


def _setup_creditors(engine: Any) -> dict[str, str]:
    keys = {}
    with Session(engine) as session:
        for cred in session.exec(select(Creditor)):
            cred.sender_config = dict(LOCAL_SINKS)
            cred.thank_you_mail = True
            session.add(cred)
            keys[cred.name] = create_api_key(session, creditor_id=cred.id, label="live-sim")
        session.commit()
    return keys


def _post_outcomes(
    http: httpx.Client,
    link: WorldLink,
    keys: dict[str, str],
    day: int,
    ev: Any,
    by_debtor: dict[int, Contact],
    fb: DayFeedback,
) -> None:
    rows = zip(
        ev.contact_debtor.tolist(),
        ev.promised.tolist(),
        ev.promise_day.tolist(),
        ev.disputed.tolist(),
        ev.complained.tolist(),
        strict=True,
    )
    for idx, promised, pday, disputed, complained in rows:
        contact = by_debtor[idx]
        assert contact.sent_at is not None
        for kind, minutes, when in (
            ("promise", 10, link.world.cal.date_of(pday) if promised else None),
            ("dispute", 40, disputed),
            ("complaint", 50, complained),
        ):
            if not when:
                continue
            body: dict[str, Any] = {
                "debtor_id": contact.debtor_id,
                "kind": kind,
                "contact_id": contact.id,
                "occurred_at": (contact.sent_at + timedelta(minutes=minutes)).isoformat(),
            }
            if kind == "promise":
                body["promised_date"] = when.isoformat()
            key = keys[link.creditor(idx).name]
            resp = http.post("/v1/outcomes", json=body, headers={"X-API-Key": key})
            resp.raise_for_status()
            fb.outcomes[kind] = fb.outcomes.get(kind, 0) + 1


def run_live_sim(
    folder: Path,
    cfg: LiveSimConfig,
    log: Callable[[str], None] = print,
    store: ModelStore | None = None,
) -> LiveSimResult:
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    outbox_dir = folder / "outbox"
    outbox_dir.mkdir(parents=True)
    url = f"sqlite:///{folder / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    end = cfg.end or date.today() - timedelta(days=1)
    log(f"simulating {cfg.debtors} debtors: {cfg.warmup_days} days of logged history…")
    log("then the scheduler runs each day: API over HTTP, rules, outbox, local sinks")
    world = build_ledger(engine, cfg.seed, cfg.debtors, cfg.warmup_days, cfg.days, end)
    link, keys = WorldLink(engine, world), _setup_creditors(engine)
    first, last = (
        world.cal.date_of(cfg.warmup_days),
        world.cal.date_of(cfg.warmup_days + cfg.days - 1),
    )
    state_plans(
        engine,
        cfg.segment_plans,
        datetime.combine(first, datetime.min.time(), tzinfo=AMS).replace(hour=7),
    )
    result = LiveSimResult(folder, first, last)
    port = cfg.smtp_port or _free_port()
    senders = SenderSettings(smtp_host="127.0.0.1", smtp_port=port, outbox_dir=outbox_dir)
    last_contact: dict[int, tuple[int, str]] = {}
    with LocalMailServer(outbox_dir, port=port), ApiThread(engine, store) as api:
        current = api.store.current
        log(
            f"scoring with {current.version}"
            if current
            else f"scoring with the fixed ladder ({api.store.degraded_reason})"
        )
        settings = SchedulerSettings(api_url=api.url, api_keys=keys)
        client = ScoringClient(api.url, settings.key_for, batch_size=settings.batch_size)
        dispatcher = make_dispatcher(engine, settings=senders, worker="live-sim")
        http = httpx.Client(base_url=api.url, timeout=60)
        for d in range(cfg.warmup_days, cfg.warmup_days + cfg.days):
            day = world.cal.date_of(d)
            batch = world.observe(d)
            link.start_of_day(d)
            if settings.runs_on(day.weekday()):
                plan_day(engine, day, client, settings)
            end_of_day = datetime.combine(day, datetime.max.time(), tzinfo=AMS)
            sent = dispatch_through(engine, dispatcher, end_of_day)
            result.cancelled += sent.cancelled
            fb = DayFeedback()
            actions, by_debtor = link.actions_for(d, batch, fb)
            ev = world.step(d, actions)
            for idx, contact in by_debtor.items():
                last_contact[idx] = (d, contact.channel)
            _post_outcomes(http, link, keys, d, ev, by_debtor, fb)
            with Session(engine) as session:
                link.pause_after_complaints(session, d, ev)
                for debtor_id, payment_id in link.payments(session, d, ev, fb):
                    cred = link.creditor(link.index_of[debtor_id])
                    after_payment(session, cred, debtor_id, payment_id, link.at(d, 21))
                link.sync_statuses(session)
                session.commit()
            for idx, cents in fb.payments:
                seen = last_contact.get(idx)
                if seen is not None and d - seen[0] <= ATTRIBUTION_DAYS:
                    result.channels.setdefault(seen[1], ChannelFigures()).collected_cents += cents
                else:
                    result.collected_without_contact_cents += cents
            for channel, n in fb.world_ignored.items():
                result.channels.setdefault(channel, ChannelFigures()).world_ignored += n
            for kind, n in fb.outcomes.items():
                result.outcomes[kind] = result.outcomes.get(kind, 0) + n
            by_channel = sent.sent_by_channel.items()
            log(
                f"{day.isoformat()} {day:%a}: sent {sent.sent} {dict(sorted(by_channel))}, "
                f"cancelled {sent.cancelled}, payments {len(fb.payments)}, outcomes {fb.outcomes}"
            )
        http.close()
        client.close()
    _count_sent(engine, first, result)
    result.audit = audit(engine, since=datetime.combine(first, datetime.min.time(), tzinfo=AMS))
    result.sinks = {
        "e-mail (.eml)": outbox_dir / "mail",
        "letters (PDF)": outbox_dir / "letters",
        "call lists (CSV)": outbox_dir / "call_lists",
        "SMS / robocalls (JSONL)": outbox_dir / "sms",
        "ledger": folder / "ledger.db",
    }
    result.seconds = time.perf_counter() - started
    return result


def _count_sent(engine: Any, first: date, result: LiveSimResult) -> None:
    since = datetime.combine(first, datetime.min.time(), tzinfo=AMS)
    with Session(engine) as session:
        rows = session.exec(
            select(Contact).where(
                col(Contact.status).in_(["sent", "delivered"]), col(Contact.sent_at) >= since
            )
        ).all()
    for c in rows:
        if (c.template or "").startswith(("promise_confirmation", "payment_thanks")):
            result.responses_sent += 1
        fig = result.channels.setdefault(c.channel, ChannelFigures())
        fig.sent += 1
        fig.cost_cents += c.cost_cents


def print_summary(result: LiveSimResult, console: Console | None = None) -> None:
    out = console or Console()
    table = Table(title=f"{result.first_day} … {result.last_day}: what the scheduler sent")
    for column in ("channel", "sent", "cost €", "collected € (≤14 d after)", "not seen by world"):
        table.add_column(column, justify="left" if column == "channel" else "right")
    total = ChannelFigures()
    for channel, f in sorted(result.channels.items()):
        table.add_row(channel, str(f.sent), f"{f.cost_cents / 100:,.2f}",
                      f"{f.collected_cents / 100:,.2f}", str(f.world_ignored))  # fmt: skip
        total.sent += f.sent
        total.cost_cents += f.cost_cents
        total.collected_cents += f.collected_cents
    table.add_row("total", str(total.sent), f"{total.cost_cents / 100:,.2f}",
                  f"{total.collected_cents / 100:,.2f}", "")  # fmt: skip
    out.print(table)
    out.print(
        f"collected without a contact in the 14 days before: "
        f"€ {result.collected_without_contact_cents / 100:,.2f}; confirmations and thank-yous "
        f"sent: {result.responses_sent}; cancelled before dispatch: {result.cancelled}; "
        f"outcomes reported: {result.outcomes}"
    )
    for line in result.audit.lines():
        out.print(line, highlight=False)
    for what, path in result.sinks.items():
        out.print(f"{what}: {path}")
    out.print(f"{(result.last_day - result.first_day).days + 1} days in {result.seconds:.0f} s")
