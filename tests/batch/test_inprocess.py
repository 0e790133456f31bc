"""The in-process batch engine: buckets change no decision (pooled features see the whole
creditor), ids are fixed by (creditor, day, debtor, model version), a rerun writes nothing."""

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from batch import inprocess
from batch.day import Bucket, population_part, recommendation_id
from features.debtor_history import add_populations, population
from features.loading import load_frames
from ledger.db import make_engine
from ledger.tables import BatchRun, Contact, Recommendation
from policy.decision_path import Pinned
from tests.batch.ledgers import CYCLE, DAY, SEED, decided, simulate
from tests.serving.api.tiny_policy import tiny_policy


@pytest.fixture(scope="module")
def pinned() -> Pinned:
    return Pinned(tiny_policy(epsilon=0.3), "tiny/1")


def _count(engine: Engine, table: type[SQLModel]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.slow
def test_buckets_change_no_decision_and_a_rerun_writes_nothing(
    engine: Engine, tmp_path: Path, pinned: Pinned
) -> None:
    simulate(engine, tmp_path, 120, days=100)
    other = make_engine(f"sqlite:///{tmp_path / 'one_bucket.db'}")
    SQLModel.metadata.create_all(other)
    simulate(other, tmp_path, 120, days=100)

    first = inprocess.run(engine, DAY, pinned, buckets=3, seed=SEED, cycle_time=CYCLE)
    inprocess.run(other, DAY, pinned, buckets=1, seed=SEED, cycle_time=CYCLE)
    assert first.decided > 20
    assert first.planned > 0
    assert (first.inserted_recommendations, first.inserted_contacts) == (
        first.decided,
        first.planned,
    )
    assert first.run_written
    pd.testing.assert_frame_equal(decided(engine, "tiny/1"), decided(other, "tiny/1"))

    rows = decided(engine, "tiny/1")
    creditor_of = {r.debtor_id: r.creditor_id for r in _recommendations(engine)}
    assert len(rows) == first.decided
    assert list(rows["id"]) == sorted(
        recommendation_id(creditor_of[d], DAY, d, "tiny/1") for d in rows["debtor_id"]
    )

    counts = {t: _count(engine, t) for t in (Recommendation, Contact, BatchRun)}
    again = inprocess.run(engine, DAY, pinned, buckets=3, seed=SEED, cycle_time=CYCLE)
    assert (again.inserted_recommendations, again.inserted_contacts) == (0, 0)
    assert not again.run_written
    assert {t: _count(engine, t) for t in counts} == counts
    assert counts[BatchRun] == 1


def _recommendations(engine: Engine) -> list[Recommendation]:
    with Session(engine) as session:
        return list(session.exec(select(Recommendation)).all())


def test_the_buckets_population_parts_add_up_to_the_creditors(
    engine: Engine, tmp_path: Path
) -> None:
    simulate(engine, tmp_path, 80, days=90)
    parts, _ = inprocess.export(engine, 4, DAY, CYCLE)
    summed = add_populations([population_part(Bucket.of_rows(r), DAY) for r in parts.values()])
    whole = population(load_frames(engine), summed.as_of)
    pd.testing.assert_frame_equal(
        summed.counts.sort_index(), whole.counts.sort_index(), check_dtype=False
    )
    assert whole.counts.to_numpy().sum() > 0
