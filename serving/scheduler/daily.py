"""One scheduler day, as ``dunflow scheduler run-once --date`` and the 60-day demo run it.

:func:`plan_day` runs, per creditor at the cycle time in its zone: promise confirmations, broken
promise follow-ups, the hand-offs and call cases due (:func:`open_calls`: dossiers to collection,
new cases and the creditor's call list of the day), then the daily cycle
(:func:`serving.scheduler.cycle.run_cycle`).
:func:`dispatch_through` then lets the dispatcher send what is due, moment by moment in
``scheduled_at`` order up to a given time, so every contact leaves at the time it was planned for
(the long-running scheduler does the same on a clock; see :mod:`serving.scheduler.jobs`). This
module must never send or plan anything itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import ContactStatus
from ledger.tables import Contact, Creditor
from serving.operate.call_cases import open_due_cases, write_call_list
from serving.operate.call_outcomes import expire_cases
from serving.operate.handoff import due_handoffs
from serving.scheduler.cycle import CycleStats, run_cycle
from serving.scheduler.dispatcher import Dispatcher, DispatchStats
from serving.scheduler.promises import PromiseStats, confirm_promises, detect_broken
from serving.scheduler.scoring_client import ScoringClient
from serving.scheduler.settings import SchedulerSettings
from serving.senders.settings import get_sender_settings


@dataclass
class DayReport:
    day: date
    cycles: list[CycleStats] = field(default_factory=list)
    promises: PromiseStats = field(default_factory=PromiseStats)
    dispatch: DispatchStats = field(default_factory=DispatchStats)
    calls_opened: int = 0


def creditors(engine: Engine, name: str | None = None) -> list[Creditor]:
    with Session(engine, expire_on_commit=False) as session:
        stmt = select(Creditor).order_by(col(Creditor.id))
        if name is not None:
            stmt = stmt.where(Creditor.name == name)
        rows = list(session.exec(stmt))
    if name is not None and not rows:
        raise LookupError(f"no creditor named {name!r}")
    return rows


def cycle_moment(creditor: Creditor, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(creditor.timezone))


def follow_up_promises(
    engine: Engine, creditor: Creditor, now: datetime, grace: int
) -> PromiseStats:
    with Session(engine, expire_on_commit=False) as session:
        stats = detect_broken(session, creditor, now, grace)
        stats.confirmations = confirm_promises(session, creditor, now)
        session.commit()
    return stats


def open_calls(engine: Engine, creditor: Creditor, now: datetime) -> int:
    """Hand off the dossiers that reached the creditor's hand-off stage, close the call cases
    nobody reported on, then open the call cases due and write the creditor's call list of the
    day; returns how many cases were opened."""
    with Session(engine, expire_on_commit=False) as session:
        due_handoffs(session, creditor, now)
        expire_cases(session, creditor, now)
        session.commit()
        opened = open_due_cases(session, creditor, now)
        session.commit()
        day = now.astimezone(ZoneInfo(creditor.timezone)).date()
        write_call_list(session, creditor, day, get_sender_settings().outbox_dir)
    return len(opened)


def plan_day(
    engine: Engine,
    day: date,
    client: ScoringClient,
    settings: SchedulerSettings,
    only: Sequence[Creditor] | None = None,
    report: DayReport | None = None,
) -> DayReport:
    report = report or DayReport(day)
    for creditor in only if only is not None else creditors(engine):
        now = cycle_moment(creditor, day, settings.cycle_time)
        p = follow_up_promises(engine, creditor, now, settings.promise_grace_days)
        report.promises.broken += p.broken
        report.promises.firmer_planned += p.firmer_planned
        report.promises.confirmations += p.confirmations
        report.calls_opened += open_calls(engine, creditor, now)
        report.cycles.append(run_cycle(engine, creditor, now, client))
    return report


def next_due(engine: Engine, until: datetime) -> datetime | None:
    """The earliest moment at which a planned outbox item becomes due, if not after ``until``."""
    due = sa.func.coalesce(col(Contact.next_attempt_at), col(Contact.scheduled_at))
    with Session(engine) as session:
        rows = session.exec(
            select(col(Contact.scheduled_at), col(Contact.next_attempt_at)).where(
                col(Contact.status) == ContactStatus.PLANNED.value,
                col(Contact.scheduled_at) <= until,
                due <= until,
            )
        ).all()
    moments = [max(s, n) if n is not None else s for s, n in rows if s is not None]
    return min(moments, default=None)


def dispatch_through(engine: Engine, dispatcher: Dispatcher, until: datetime) -> DispatchStats:
    """Send everything due up to ``until``, each at its own moment."""
    total = DispatchStats()
    last: datetime | None = None
    while (moment := next_due(engine, until)) is not None:
        if last is not None and moment <= last:
            break  # nothing claimable is left at that moment (another dispatcher holds it)
        total.add(dispatcher.run_once(moment))
        last = moment
    return total


def run_day(
    engine: Engine,
    day: date,
    client: ScoringClient,
    dispatcher: Dispatcher,
    settings: SchedulerSettings,
    only: Sequence[Creditor] | None = None,
) -> DayReport:
    """The cycle(s) of ``day`` and the dispatch of everything due up to that day's end."""
    chosen = list(only) if only is not None else creditors(engine)
    report = plan_day(engine, day, client, settings, chosen)
    zone = ZoneInfo(chosen[0].timezone if chosen else "Europe/Amsterdam")
    end = datetime.combine(day, time(23, 59, 59), tzinfo=zone)
    report.dispatch = dispatch_through(engine, dispatcher, end)
    return report
