"""The batch engine in this process: the reference the Spark engine must equal, and its
benchmark's baseline.

Reads every table in one consistent snapshot (one REPEATABLE READ transaction), splits the rows
into the same debtor buckets as Spark does, sums the buckets' population parts, decides bucket
by bucket with :mod:`batch.day` and writes each bucket back in its own transaction
(:mod:`batch.writeback`); the run row goes last.
"""

import time
from collections import defaultdict
from datetime import date
from datetime import time as clock
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from batch import writeback
from batch.day import Bucket, decide_bucket, plans, population_part
from batch.ledger_rows import BUCKET_DEBTOR, SHARED, bucket_of, export_select, name_of, tables
from batch.limits import CreditorLimits, creditor_limits, refusals, with_refusals
from batch.report import RunReport
from features.debtor_history import add_populations
from features.plan_state import DaysLatePredictor
from ledger.types import utcnow
from policy.decision_path import LADDER_VERSION, Pinned

Bucketed = dict[int, dict[str, list[dict[str, Any]]]]


def export(
    engine: Engine, buckets: int, day: date, cycle_time: clock, *, decision_log: bool = False
) -> tuple[Bucketed, dict[int, CreditorLimits]]:
    """Every bucket's rows (table name -> row dicts; shared tables in each) and the creditors'
    limits and usage on ``day``, from one snapshot (``decision_log``: the recommendations too,
    for a plan champion)."""
    level = "REPEATABLE READ" if engine.dialect.name == "postgresql" else "SERIALIZABLE"
    shared: dict[str, list[dict[str, Any]]] = {}
    out: Bucketed = defaultdict(lambda: defaultdict(list))
    with engine.connect().execution_options(isolation_level=level) as conn, conn.begin():
        limits = creditor_limits(conn, day, cycle_time)
        for model in tables(decision_log):
            name = name_of(model)
            result = conn.execute(export_select(model)).mappings()
            if model in SHARED:
                shared[name] = [dict(r) for r in result]
                continue
            for r in result:
                debtor = r[BUCKET_DEBTOR]
                if debtor is not None:
                    out[bucket_of(int(debtor), buckets)][name].append(dict(r))
    return {b: {**shared, **dict(out[b])} for b in sorted(out)}, limits


def run(
    engine: Engine,
    day: date,
    pinned: Pinned | None,
    *,
    buckets: int,
    seed: int,
    cycle_time: clock,
    days_late: DaysLatePredictor | None = None,
) -> RunReport:
    started_at = utcnow()
    report = RunReport(engine="inprocess", buckets=buckets)
    with report.phase("export"):
        parts, limits = export(engine, buckets, day, cycle_time, decision_log=plans(pinned))
    with report.phase("decide"):
        ready = [Bucket.of_rows(rows) for rows in parts.values()]  # frames built once each
        pooled = add_populations([population_part(b, day) for b in ready])
        decided = [
            decide_bucket(
                b, day, pinned, pooled, seed=seed, cycle_time=cycle_time, days_late=days_late
            )
            for b in ready
        ]
        planned = pd.concat([d[d["contact_key"].notna()] for d in decided] or [pd.DataFrame()])
        if limits and len(planned):
            refused = refusals(planned, limits)
            mapping = dict(zip(refused["id"], refused["refusal"], strict=True))
            decided = [with_refusals(d, mapping) for d in decided]
    with report.phase("write"):
        for rows in decided:
            written = writeback.write_partition(engine, rows)
            report.inserted_recommendations += written.recommendations
            report.inserted_contacts += written.contacts
        all_rows = pd.concat(decided) if decided else pd.DataFrame()
        writeback.finish_run(
            engine,
            report,
            day=day,
            model_version=pinned.version if pinned else LADDER_VERSION,
            decided=len(all_rows),
            planned=int(all_rows["contact_key"].notna().sum()) if len(all_rows) else 0,
            started_at=started_at,
        )
    report.debtors = sum(len(p.get("debtor", ())) for p in parts.values())
    report.finished = time.perf_counter()
    return report
