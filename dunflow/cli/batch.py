"""``dunflow batch``: a day's decisions for the whole ledger, on Apache Spark or in-process."""

import json
import tempfile
from datetime import date, time
from pathlib import Path
from typing import Annotated

import typer

from dunflow.cli.common import DbOption, console, database_url, fail

app = typer.Typer(help="Decide a whole day in one batch (Apache Spark).", no_args_is_help=True)


@app.command("decide")
def decide(
    day: Annotated[str, typer.Option("--date", help="The day to decide, YYYY-MM-DD.")],
    spark_master: Annotated[
        str,
        typer.Option(
            "--spark-master",
            help="Spark master URL: local[N] on this machine, spark://host:7077, yarn, k8s://…",
        ),
    ] = "local[*]",
    buckets: Annotated[
        int, typer.Option("--buckets", min=1, help="Debtor buckets (one Spark task each).")
    ] = 32,
    connections: Annotated[
        int, typer.Option("--connections", min=1, help="Most database connections writing back.")
    ] = 4,
    in_process: Annotated[
        bool, typer.Option("--in-process", help="Run without Spark (same code, one process).")
    ] = False,
    ladder: Annotated[
        bool, typer.Option("--ladder", help="Decide with the fixed ladder, not the champion.")
    ] = False,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Where the snapshot's Parquet goes (shared by workers)."),
    ] = None,
    cycle_time: Annotated[
        str, typer.Option("--cycle-time", help="Each creditor's local decision time, HH:MM.")
    ] = "08:30",
    seed: Annotated[int, typer.Option("--seed", help="Key of the exploration draws.")] = 0,
    db: DbOption = None,
) -> None:
    """Decide ``--date`` for every debtor the daily cycle would ask about; write recommendations
    and outbox contacts exactly once (a rerun writes nothing new)."""
    from ledger.db import make_engine

    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        fail(f"--date must be a date as YYYY-MM-DD, not {day!r}")
    try:
        at = time.fromisoformat(cycle_time)
    except ValueError:
        fail(f"--cycle-time must be HH:MM, not {cycle_time!r}")
    engine = make_engine(database_url(db))
    pinned = None
    if not ladder:
        from batch.champion import load_champion

        try:
            pinned = load_champion()
        except Exception as err:  # the registry's errors vary by store
            fail(f"no champion policy to decide with ({err}); train one or pass --ladder")
    from batch.champion import days_late_for

    days_late = days_late_for(pinned)
    if in_process:
        from batch import inprocess

        report = inprocess.run(
            engine, the_day, pinned, buckets=buckets, seed=seed, cycle_time=at, days_late=days_late
        )
    else:
        if engine.dialect.name != "postgresql":
            fail("the Spark engine exports from PostgreSQL; use --in-process for SQLite")
        from batch import spark

        session = spark.session(spark_master)
        with tempfile.TemporaryDirectory(dir=workdir) as folder:
            report = spark.run(
                session,
                engine,
                the_day,
                pinned,
                buckets=buckets,
                seed=seed,
                cycle_time=at,
                workdir=Path(folder),
                connections=connections,
                days_late=days_late,
            )
    console.print_json(json.dumps(report.as_dict()))
