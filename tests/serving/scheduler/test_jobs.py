"""The long-running scheduler's jobs live in the ledger database with stable ids."""

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from serving.api.schemas import MAX_DEBTORS_PER_CALL
from serving.scheduler import jobs
from serving.scheduler.settings import SchedulerSettings
from tests.serving.scheduler.conftest import Book


def test_jobs_are_stored_in_the_ledger_with_stable_ids(engine: Engine, book: Book) -> None:
    settings = SchedulerSettings(cycle_weekdays="mon-sat", dispatch_interval_s=10)
    for _ in range(2):  # a restart replaces, never duplicates
        scheduler = jobs.build_scheduler(engine, blocking=False)
        scheduler.start(paused=True)
        ids = jobs.add_jobs(scheduler, engine, settings)
        scheduler.shutdown(wait=False)
    assert ids == [f"cycle:{book.creditor_id}", "dispatch", "camt-watch", "weekly-digests"]
    with engine.connect() as conn:
        stored = sorted(r[0] for r in conn.execute(sa.text("SELECT id FROM apscheduler_jobs")))
    assert stored == sorted(ids)
    scheduler = jobs.build_scheduler(engine, blocking=False)
    scheduler.start(paused=True)
    cycle = scheduler.get_job(f"cycle:{book.creditor_id}")
    assert isinstance(cycle.trigger, CronTrigger)
    assert str(cycle.trigger.timezone) == "Europe/Amsterdam"
    assert "hour='8', minute='30'" in str(cycle.trigger)
    assert cycle.coalesce
    assert cycle.max_instances == 1
    scheduler.shutdown(wait=False)


def test_settings_key_per_creditor_and_weekdays() -> None:
    s = SchedulerSettings(api_key="shared", api_keys={"A": "own"})  # type: ignore[arg-type]
    assert s.key_for("A") == "own"
    assert s.key_for("B") == "shared"
    assert s.runs_on(0)
    assert s.runs_on(4)
    assert not s.runs_on(5)


def test_batch_size_beyond_what_the_api_takes_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a batch the API would refuse (422) must fail at start-up, not at 08:30 on every call
    monkeypatch.setenv("DUNFLOW_BATCH_SIZE", str(MAX_DEBTORS_PER_CALL + 1))
    with pytest.raises(ValidationError, match="batch_size"):
        SchedulerSettings()
    monkeypatch.setenv("DUNFLOW_BATCH_SIZE", str(MAX_DEBTORS_PER_CALL))
    assert SchedulerSettings().batch_size == MAX_DEBTORS_PER_CALL
