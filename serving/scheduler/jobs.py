"""The long-running scheduler: APScheduler 3 with its SQLAlchemy job store in the ledger database.

Jobs (stable ids, ``replace_existing``, ``coalesce``, ``max_instances=1``):

* ``cycle:<creditor id>`` — cron at ``DUNFLOW_CYCLE_TIME`` on ``DUNFLOW_CYCLE_WEEKDAYS`` in the
  creditor's own time zone: promise follow-ups, the call cases due, then the daily cycle;
* ``dispatch`` — every ``DUNFLOW_DISPATCH_INTERVAL_S``: promise confirmations, then send what is
  due (each contact exactly once: see :mod:`serving.scheduler.outbox`);
* ``camt-watch`` — every ``DUNFLOW_WATCH_INTERVAL_S``: import CAMT.053 files from
  ``DUNFLOW_WATCH_DIR`` and cancel what the payments make unnecessary;
* ``weekly-digests`` — every five minutes: each creditor's weekly digest once its configured day
  and time (``digest_weekday``, ``digest_minute``, its own zone) have come this week, to its
  ``digest_recipients``, complaint notifications (:mod:`serving.scheduler.digests`) and the
  closed call cases' reports (:mod:`serving.scheduler.call_reports`);

The job store pickles a job as ``module:function`` plus plain arguments, so the job functions
below take only ids and read the engine, API client and dispatcher from :func:`install` (called
once by ``dunflow scheduler start``). The table ``apscheduler_jobs`` belongs to APScheduler and
is kept out of Alembic's comparison (``ledger/migrations/env.py``). This module must never plan
or send anything itself; it only runs the functions that do, on time.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Creditor
from serving.scheduler.call_reports import send_call_reports
from serving.scheduler.cycle import run_cycle
from serving.scheduler.daily import creditors, follow_up_promises, open_calls
from serving.scheduler.digests import send_due_digests, send_notifications
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.payments_watch import process_inbox
from serving.scheduler.promises import confirm_promises
from serving.scheduler.scoring_client import ScoringClient
from serving.scheduler.settings import SchedulerSettings

log = logging.getLogger(__name__)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


@dataclass
class Runtime:
    engine: Engine
    settings: SchedulerSettings
    client: ScoringClient
    dispatcher: Dispatcher


_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("serving.scheduler.jobs.install() was not called")
    return _runtime


def cycle_job(creditor_id: int) -> None:
    rt = _rt()
    with Session(rt.engine, expire_on_commit=False) as session:
        creditor = session.get(Creditor, creditor_id)
    if creditor is None:
        log.warning("cycle job for creditor %s: no such creditor", creditor_id)
        return
    now = datetime.now(UTC)
    follow_up_promises(rt.engine, creditor, now, rt.settings.promise_grace_days)
    open_calls(rt.engine, creditor, now)
    run_cycle(rt.engine, creditor, now, rt.client)


def dispatch_job() -> None:
    rt = _rt()
    now = datetime.now(UTC)
    for creditor in creditors(rt.engine):
        with Session(rt.engine, expire_on_commit=False) as session:
            confirm_promises(session, creditor, now)
            session.commit()
    rt.dispatcher.run_once(now)


def camt_watch_job() -> None:
    rt = _rt()
    stats = process_inbox(rt.engine, rt.settings.watch_dir, datetime.now(UTC))
    if stats.files:
        log.info("CAMT watch: %s", stats)


def digests_job() -> None:
    from serving.reports.served_policy import champion_policy
    from serving.reports.settings import get_reports_settings
    from serving.senders.settings import get_sender_settings

    rt = _rt()
    smtp = get_sender_settings()
    # next week's reminders forecast by the champion the API serves, as on the app's Overview
    reports = get_reports_settings()
    sent = send_due_digests(rt.engine, datetime.now(UTC), smtp, reports, champion_policy)
    told = send_notifications(rt.engine, smtp)
    calls = send_call_reports(rt.engine, smtp, datetime.now(UTC))
    if sent or told or calls:
        log.info("weekly digests sent: %s; notifications: %s; call reports: %s", sent, told, calls)


# a digest is due at a minute a creditor chooses; looked for this often (the lateness it allows)
DIGEST_CHECK = CronTrigger(minute="*/5", timezone=UTC)


def cron_for(creditor: Creditor, settings: SchedulerSettings) -> CronTrigger:
    return CronTrigger(
        day_of_week=settings.cycle_weekdays,
        hour=settings.cycle_time.hour,
        minute=settings.cycle_time.minute,
        timezone=creditor.timezone,
    )


def add_jobs(scheduler: BaseScheduler, engine: Engine, settings: SchedulerSettings) -> list[str]:
    """Register (or replace) every job; returns their ids."""
    ids = []
    for creditor in creditors(engine):
        job_id = f"cycle:{creditor.id}"
        scheduler.add_job(
            cycle_job,
            cron_for(creditor, settings),
            args=[creditor.id],
            id=job_id,
            name=f"daily cycle {creditor.name}",
            replace_existing=True,
        )
        ids.append(job_id)
    scheduler.add_job(
        dispatch_job,
        IntervalTrigger(seconds=settings.dispatch_interval_s),
        id="dispatch",
        name="dispatcher",
        replace_existing=True,
    )
    scheduler.add_job(
        camt_watch_job,
        IntervalTrigger(seconds=settings.watch_interval_s),
        id="camt-watch",
        name="CAMT.053 watch",
        replace_existing=True,
    )
    scheduler.add_job(
        digests_job,
        DIGEST_CHECK,
        id="weekly-digests",
        name="weekly digests and notifications",
        replace_existing=True,
    )
    return [*ids, "dispatch", "camt-watch", "weekly-digests"]


def build_scheduler(engine: Engine, *, blocking: bool = True) -> BaseScheduler:
    """A scheduler whose jobs live in the ledger database (table ``apscheduler_jobs``)."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    return cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults=JOB_DEFAULTS,
        timezone=UTC,
    )
