"""``dunflow scheduler``: the daily dunning cycle and the dispatcher.

``start`` runs the long-lived scheduler (APScheduler, jobs in the ledger database); ``run-once
--date`` runs one day's cycle at the configured time plus the dispatch of what is due that day;
``simulate-days`` runs the 60-day demo against the simulated debtors. Settings come from the
environment (``DUNFLOW_API_URL``, ``DUNFLOW_API_KEY``/``DUNFLOW_API_KEYS``, ``DUNFLOW_SMTP_*``,
``DUNFLOW_OUTBOX_DIR``, ``DUNFLOW_CYCLE_TIME``…).
"""

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dunflow.cli.common import DbOption, console, database_url, fail, segment_plan_pairs

if TYPE_CHECKING:
    from serving.scheduler.daily import DayReport
    from serving.scheduler.jobs import Runtime

app = typer.Typer(help="The daily dunning cycle, the outbox dispatcher and the 60-day demo.")


def runtime(db: str | None) -> "Runtime":
    from ledger.db import make_engine
    from serving.scheduler.jobs import Runtime
    from serving.scheduler.scoring_client import ScoringClient
    from serving.scheduler.sending import make_dispatcher
    from serving.scheduler.settings import get_scheduler_settings

    settings = get_scheduler_settings()
    engine = make_engine(database_url(db))
    client = ScoringClient(
        settings.api_url,
        settings.key_for,
        batch_size=settings.batch_size,
        timeout_s=settings.api_timeout_s,
        in_flight=settings.api_parallel,
    )
    try:
        dispatcher = make_dispatcher(engine, lease_s=settings.dispatch_lease_s)
    except ValueError as err:  # LeaseTooShortError: refused at start-up, naming both settings
        fail(str(err))
    return Runtime(engine, settings, client, dispatcher)


def print_day(report: "DayReport") -> None:
    table = Table(title=f"scheduler day {report.day.isoformat()}")
    for column in ("creditor", "candidates", "waits", "later day", "refused", "planned"):
        table.add_column(column, justify="left" if column == "creditor" else "right")
    for c in report.cycles:
        row = [c.candidates, c.waits, c.later_day, c.refused, c.planned]
        table.add_row(c.creditor, *(str(v) for v in row))
    console.print(table)
    d, p = report.dispatch, report.promises
    planned: dict[str, int] = {}
    for c in report.cycles:
        for channel, n in c.planned_by_channel.items():
            planned[channel] = planned.get(channel, 0) + n
    by_channel = Table(title="per channel")
    for column in ("channel", "planned by the cycle", "sent"):
        by_channel.add_column(column, justify="left" if column == "channel" else "right")
    for channel in sorted(set(planned) | set(d.sent_by_channel)):
        by_channel.add_row(
            channel, str(planned.get(channel, 0)), str(d.sent_by_channel.get(channel, 0))
        )
    console.print(by_channel)
    console.print(
        f"sent {d.sent}, cancelled {d.cancelled}, postponed {d.postponed}, retried {d.retried}, "
        f"failed {d.failed}; promises confirmed {p.confirmations}, broken {p.broken} "
        f"(firmer step planned {p.firmer_planned})"
    )


@app.command("run-once")
def run_once(
    day: Annotated[str, typer.Option("--date", help="The day to run (YYYY-MM-DD).")],
    creditor: Annotated[str | None, typer.Option("--creditor", help="Only this creditor.")] = None,
    db: DbOption = None,
) -> None:
    """One day's cycle at the configured time, then the dispatch of what is due that day."""
    from serving.scheduler.daily import creditors, run_day
    from serving.scheduler.scoring_client import ScoringError

    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        fail(f"--date: {day!r} is not a date (YYYY-MM-DD)")
    rt = runtime(db)
    try:
        only = creditors(rt.engine, creditor)
        report = run_day(rt.engine, the_day, rt.client, rt.dispatcher, rt.settings, only)
    except (LookupError, ScoringError) as err:
        fail(str(err))
    finally:
        rt.client.close()
    print_day(report)


@app.command()
def start(db: DbOption = None) -> None:
    """Run the scheduler until interrupted (cycle per creditor, dispatcher, CAMT watch)."""
    from serving.scheduler import jobs

    rt = runtime(db)
    jobs.install(rt)
    scheduler = jobs.build_scheduler(rt.engine, blocking=True)
    ids = jobs.add_jobs(scheduler, rt.engine, rt.settings)
    console.print(
        f"scheduler started at {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: {', '.join(ids)}"
        f"; CAMT files from {rt.settings.watch_dir}"
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        console.print("scheduler stopped")
    finally:
        rt.client.close()


@app.command("simulate-days")
def simulate_days(
    days: Annotated[int, typer.Option("--days", min=1, max=365)] = 60,
    debtors: Annotated[int, typer.Option("--debtors", min=10)] = 300,
    warmup: Annotated[int, typer.Option("--warmup", min=30)] = 120,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the ledger and the sinks.")
    ] = None,
    smtp_port: Annotated[int, typer.Option("--smtp-port")] = 0,
    segment_plan: Annotated[
        list[str] | None,
        typer.Option(
            "--segment-plan",
            help="A creditor's plan for one of its segments, CREDITOR:SEGMENT=PLAN (e.g. "
            "'Groothandel Van Dijk B.V.:zakelijk=phone/neutral/7d'), stated before the first day "
            "so that a plan-logging or plan champion serves it; repeatable.",
        ),
    ] = None,
) -> None:
    """The demo: a simulated world, its history as the ledger, then ``days`` scheduler days
    against it (API over HTTP, rules, outbox, local sinks), the simulated debtors answering."""
    from dunflow.live_sim import LiveSimConfig, StatedPlanError, print_summary, run_live_sim
    from ledger.settings import get_settings

    stated, wrong = segment_plan_pairs(segment_plan or [])
    if wrong:
        fail("\n".join(wrong))
    folder = out or get_settings().data_dir / "live_sim"
    cfg = LiveSimConfig(
        days=days, debtors=debtors, warmup_days=warmup, seed=seed, smtp_port=smtp_port,
        segment_plans=tuple(stated.items()),
    )  # fmt: skip
    try:
        result = run_live_sim(folder, cfg, log=console.print)
    except StatedPlanError as err:
        fail(str(err))
    print_summary(result)
