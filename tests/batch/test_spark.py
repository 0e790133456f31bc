"""The Spark engine against the in-process one on the same simulated ledger (PostgreSQL): the
same recommendations (ids, actions, propensities, explanations) and the same outbox rows, even
when a write-back task fails after committing and is retried; a rerun inserts nothing; a session
in another time zone is refused. One local Spark session (2 cores, a task may fail 3 times) for
the whole module; each ledger in its own schema."""

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from batch import inprocess
from batch.report import RunReport
from features.plan_state import ModelDaysLate
from features.specs import payment_time_feature_names
from ledger.db import make_engine
from policy.decision_path import Pinned
from tests.batch.ledgers import CYCLE, DAY, SEED, decided, refusals, set_limits, simulate
from tests.conftest import POSTGRES_URL
from tests.factories import synthetic_base
from tests.serving.api.tiny_plan_policy import tiny_plan_policy
from tests.serving.api.tiny_policy import tiny_policy

# one worker runs the whole module (under `pytest -n`): one Spark session, one pair of ledgers
pytestmark = [
    pytest.mark.spark,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),
]
spark_mod = pytest.importorskip("pyspark")
from batch import spark as engine_spark  # noqa: E402 - only with pyspark installed

DEBTORS = 300  # the smallest ledger whose day plans contacts on every creditor
VERSION = "tiny/1"
PLAN_VERSION = "tiny-plan/1"


def _ready() -> str | None:
    if not POSTGRES_URL:
        return "DUNFLOW_TEST_POSTGRES_URL is not set"
    if shutil.which("java") is None or not os.path.exists(engine_spark.JDBC_JAR):
        return "Java or the PostgreSQL JDBC driver is missing (make spark-deps)"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    why = _ready()
    if why:
        pytest.skip(why)
    session = engine_spark.session("local[2,3]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """Two identical simulated ledgers: one for each engine."""
    yield from _ledgers(tmp_path_factory, limits=True)


@pytest.fixture(scope="module")
def plan_ledgers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """Two more, for a plan champion's days."""
    yield from _ledgers(tmp_path_factory, limits=False)


def _ledgers(factory: pytest.TempPathFactory, *, limits: bool) -> Iterator[dict[str, Engine]]:
    if _ready():
        pytest.skip(str(_ready()))
    admin = sa.create_engine(POSTGRES_URL)
    out, schemas = {}, []
    folder = factory.mktemp("ledgers")
    for name in ("inprocess", "spark"):
        schema = f"b_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        schemas.append(schema)
        sep = "&" if "?" in POSTGRES_URL else "?"
        eng = make_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
        SQLModel.metadata.create_all(eng)
        simulate(eng, folder, DEBTORS)
        if limits:
            set_limits(eng)
        out[name] = eng
    yield out
    for eng in out.values():
        eng.dispose()
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="module")
def pinned() -> Pinned:
    return Pinned(tiny_policy(epsilon=0.3), VERSION)


@pytest.fixture(scope="module")
def first(
    spark: Any,
    ledgers: dict[str, Engine],
    pinned: Pinned,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[RunReport, RunReport, list[tuple[int, ...]]]:
    """Each engine's first run of the day (Spark's first write-back task fails after committing
    and is retried), whatever order the tests run in."""
    ref = inprocess.run(ledgers["inprocess"], DAY, pinned, buckets=2, seed=SEED, cycle_time=CYCLE)
    folder = tmp_path_factory.mktemp("first")
    log = folder / "attempts.log"
    got = engine_spark.run(
        spark, ledgers["spark"], DAY, pinned, buckets=2, seed=SEED, cycle_time=CYCLE,
        workdir=folder / "snapshot", connections=2, fail_first_attempt=True,
        attempts_log=str(log),
    )  # fmt: skip
    attempts = [tuple(map(int, line.split())) for line in log.read_text().split("\n") if line]
    return ref, got, attempts


def test_spark_decides_and_writes_exactly_what_the_in_process_engine_does(
    ledgers: dict[str, Engine], first: tuple[RunReport, RunReport, list[tuple[int, ...]]]
) -> None:
    ref, got, attempts = first
    assert (0, 0) in attempts, "the first write-back task ran"
    assert (0, 1) in attempts, "…failed after committing and was retried"
    assert ref.decided > 50
    assert ref.planned > 0
    assert (got.decided, got.planned) == (ref.decided, ref.planned)
    mine, theirs = decided(ledgers["spark"], VERSION), decided(ledgers["inprocess"], VERSION)
    assert len(mine) == ref.decided
    assert mine["contact"].notna().sum() == ref.planned
    pd.testing.assert_frame_equal(mine, theirs)
    assert got.run_written


def test_spark_refuses_what_the_creditors_limits_refuse_as_the_in_process_engine_does(
    ledgers: dict[str, Engine], first: tuple[RunReport, RunReport, list[tuple[int, ...]]]
) -> None:
    mine, theirs = refusals(ledgers["spark"]), refusals(ledgers["inprocess"])
    pd.testing.assert_frame_equal(mine, theirs)
    reasons = [r.split(":")[0] for p in mine["payload"] for r in p["reasons"]]
    assert {"contact budget", "complaint limit"} <= set(reasons)
    refused = {p["recommendation_id"] for p in mine["payload"]}
    recs = decided(ledgers["spark"], VERSION).set_index("id")
    assert recs.loc[sorted(refused), "contact"].isna().all(), "a refused contact is not planned"


def test_a_rerun_inserts_nothing(
    spark: Any,
    ledgers: dict[str, Engine],
    pinned: Pinned,
    first: tuple[RunReport, RunReport, list[tuple[int, ...]]],
    tmp_path: Path,
) -> None:
    before = decided(ledgers["spark"], VERSION)
    assert len(before) == first[1].decided > 0
    again = engine_spark.run(
        spark, ledgers["spark"], DAY, pinned, buckets=2, seed=SEED, cycle_time=CYCLE,
        workdir=tmp_path / "snapshot",
    )  # fmt: skip
    assert (again.inserted_recommendations, again.inserted_contacts) == (0, 0)
    assert not again.run_written
    pd.testing.assert_frame_equal(decided(ledgers["spark"], VERSION), before)
    assert len(refusals(ledgers["spark"])) == len(refusals(ledgers["inprocess"]))


def test_a_session_in_another_time_zone_is_refused(
    spark: Any, ledgers: dict[str, Engine], pinned: Pinned, tmp_path: Path
) -> None:
    spark.conf.set("spark.sql.session.timeZone", "Europe/Amsterdam")
    try:
        with pytest.raises(engine_spark.BatchError, match="timeZone"):
            engine_spark.run(
                spark, ledgers["spark"], DAY, pinned, buckets=2, seed=SEED, cycle_time=CYCLE,
                workdir=tmp_path / "snapshot",
            )  # fmt: skip
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_a_plan_champion_decides_as_the_in_process_engine_does_with_its_plans_in_force(
    spark: Any, plan_ledgers: dict[str, Engine], tmp_path: Path
) -> None:
    """Two days: the first chooses a plan for every debtor; the second reads the plans in force
    from the exported decision log (the first day's written answers) and keeps most of them. The
    champion reads the payment-time column, its model shipped to the workers."""
    pinned = Pinned(tiny_plan_policy(days_late=True), PLAN_VERSION)
    late = _days_late_model()
    for day in (DAY, DAY + timedelta(days=1)):
        ref = inprocess.run(
            plan_ledgers["inprocess"], day, pinned, buckets=2, seed=SEED, cycle_time=CYCLE,
            days_late=late,
        )  # fmt: skip
        got = engine_spark.run(
            spark, plan_ledgers["spark"], day, pinned, buckets=2, seed=SEED, cycle_time=CYCLE,
            workdir=tmp_path / day.isoformat(), connections=2, days_late=late,
        )  # fmt: skip
        assert ref.decided > 50
        assert (got.decided, got.planned) == (ref.decided, ref.planned)
    mine = decided(plan_ledgers["spark"], PLAN_VERSION)
    pd.testing.assert_frame_equal(mine, decided(plan_ledgers["inprocess"], PLAN_VERSION))
    plan = pd.DataFrame(list(mine["body"].map(lambda b: b["plan"])))
    plan["day"] = mine["created_at"].map(lambda t: t.date()).to_numpy()
    plan["debtor_id"], plan["propensity"] = mine["debtor_id"], mine["propensity"]
    first, second = plan[plan["day"] == DAY], plan[plan["day"] > DAY]
    assert first["checkpoint"].all()  # no plan of this version was in force yet
    kept = second[~second["checkpoint"]].merge(first, on="debtor_id", suffixes=("", "_before"))
    assert len(kept) > 10
    assert (kept["label"] == kept["label_before"]).all()
    assert (kept["propensity"] == 1.0).all()  # the plan in force decides between checkpoints
    assert (kept["chosen_on"] == DAY.isoformat()).all()


def _days_late_model() -> ModelDaysLate:
    """A stand-in payment-time model (a booster that pickles as the registered pyfunc does)."""
    rows = synthetic_base(500, np.random.default_rng(1))[payment_time_feature_names()]
    target = rows["hist_mean_days_late"].fillna(0).to_numpy() * 2 + 3
    params = {"objective": "l1", "verbosity": -1, "num_threads": 1, "seed": 0}
    return ModelDaysLate(lgb.train(params, lgb.Dataset(rows, target), num_boost_round=10))
