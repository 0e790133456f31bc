"""The batch engine on Apache Spark: export a snapshot, decide per bucket, write back once.

1. **Export** (:func:`export_snapshot`): the driver opens a REPEATABLE READ transaction on
   PostgreSQL and exports its snapshot (``pg_export_snapshot()``); every table is read over JDBC
   in partitions of debtor-id ranges, each partition's connection joining that snapshot
   (``sessionInitStatement``), and written to Parquet partitioned by bucket (``debtor id mod B``)
   before the snapshot is released — a JDBC source is re-read lazily, so it must be materialised.
2. **Decide** (:func:`decide`): one task per bucket (``mapInPandas``) runs :mod:`batch.day`, the
   pandas code the in-process engine runs, with the champion shipped once per worker
   (:mod:`batch.daemon`). A first pass reads each bucket's Parquet straight into the features'
   frames (Arrow -> pandas), sums the buckets' population parts so pooled features see the whole
   creditor, and keeps each bucket beside its Parquet, so the second pass decides without
   building its frames again. The creditors' limits then refuse what they refuse
   (:mod:`batch.limits`: one group per creditor of its planned contacts).
3. **Write back** (:func:`write_back`): at most ``connections`` tasks, each writing its
   partition in one transaction through :mod:`batch.writeback` (idempotent under retries); the
   driver then writes the run row.

The session must run in UTC (``spark.sql.session.timeZone``): Spark hands pandas naive
timestamps in the session's zone, and the ledger refuses to guess.
"""

import os
import pickle
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
from sqlalchemy.engine import Engine, make_url

from batch import daemon, writeback
from batch.day import OUT_COLUMNS, Bucket, decide_bucket, plans, population_part
from batch.ledger_rows import BUCKET_DEBTOR, SHARED, export_query, name_of, tables
from batch.limits import (
    PLANNED_COLUMNS,
    CreditorLimits,
    creditor_limits,
    refusals,
    with_refusals,
)
from batch.report import RunReport
from features.debtor_history import add_populations
from features.loading import Population, frames_from_tables
from features.plan_state import DaysLatePredictor
from ledger.types import utcnow
from policy.decision_path import LADDER_VERSION, Pinned

JDBC_JAR = "/usr/share/java/postgresql.jar"  # Debian's libpostgresql-jdbc-java


class BatchError(RuntimeError):
    """The batch engine cannot run as configured (the message says what to change)."""


def session(master: str, *, jars: str = JDBC_JAR, **conf: str) -> SparkSession:
    """A Spark session for the batch engine (UTC everywhere, Parquet timestamps as instants)."""
    utc = "-Duser.timezone=UTC"
    # the workers run this interpreter (the project's environment), not the system's
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName("dunflow-batch")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", utc)
        .config("spark.executor.extraJavaOptions", utc)
        .config("spark.executorEnv.TZ", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        .config("spark.jars", jars)
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def require_utc(spark: SparkSession) -> None:
    zone = spark.conf.get("spark.sql.session.timeZone")
    if zone != "UTC":
        raise BatchError(
            f"spark.sql.session.timeZone is {zone!r}: the batch engine needs 'UTC' (Spark hands"
            " pandas naive timestamps in the session's zone)"
        )


def jdbc_of(url: str) -> tuple[str, dict[str, str]]:
    """The JDBC URL and connection properties of a SQLAlchemy PostgreSQL URL."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise BatchError(f"the Spark engine reads PostgreSQL, not {u.get_backend_name()}")
    props = {"driver": "org.postgresql.Driver", "user": u.username or ""}
    if u.password:
        props["password"] = str(u.password)
    params = []
    options = u.query.get("options") or ()
    for opt in (options,) if isinstance(options, str) else options:
        for part in unquote(opt).split():
            if part.startswith("-csearch_path="):
                params.append("currentSchema=" + part.split("=", 1)[1])
    query = ("?" + "&".join(params)) if params else ""
    return f"jdbc:postgresql://{u.host or 'localhost'}:{u.port or 5432}/{u.database}{query}", props


def export_snapshot(
    spark: SparkSession,
    engine: Engine,
    out: Path,
    *,
    buckets: int,
    partitions: int,
    day: date,
    cycle_time: clock,
    decision_log: bool = False,
) -> tuple[int, dict[int, CreditorLimits]]:
    """Every table to Parquet under ``out`` from one snapshot; returns the debtors exported and
    the creditors' limits and usage on ``day`` (:mod:`batch.limits`), read in that snapshot
    (``decision_log``: the recommendations too, for a plan champion)."""
    require_utc(spark)
    jdbc, props = jdbc_of(engine.url.render_as_string(hide_password=False))
    snap = engine.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    with snap as conn, conn.begin():
        limits = creditor_limits(conn, day, cycle_time)
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        low, high, n = conn.exec_driver_sql("SELECT min(id), max(id), count(*) FROM debtor").one()
        init = (
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
            f" SET TRANSACTION SNAPSHOT '{snapshot}'"
        )
        for model in tables(decision_log):
            reader = (
                spark.read.format("jdbc")
                .option("url", jdbc)
                .option("dbtable", f"({export_query(model)}) AS x")
                .option("sessionInitStatement", init)
                .options(**props)
            )
            if model not in SHARED and n:
                reader = (
                    reader.option("partitionColumn", BUCKET_DEBTOR)
                    .option("lowerBound", str(low))
                    .option("upperBound", str(high + 1))
                    .option("numPartitions", str(partitions))
                )
            df = reader.load()
            target = str(out / name_of(model))
            if model in SHARED:
                df.write.mode("overwrite").parquet(target)
            else:
                df = df.where(F.col(BUCKET_DEBTOR).isNotNull()).withColumn(
                    "bucket", F.pmod(F.col(BUCKET_DEBTOR), F.lit(buckets))
                )
                # one file per bucket (not one per JDBC partition and bucket): many small files
                # cost more to list and read than the rows in them
                df = df.repartition(buckets, "bucket")
                df.write.mode("overwrite").partitionBy("bucket").parquet(target)
    # the transaction (and its snapshot) ends here: everything is on disk
    return int(n), limits


class ArrowRows(Mapping[str, list[dict[str, Any]]]):
    """A bucket's tables as Arrow tables, turned into row dicts only when the rules read them
    (the private SQLite ledger takes only :data:`batch.ledger_rows.STATE_TABLES`)."""

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self.tables = dict(tables)

    def __getitem__(self, name: str) -> list[dict[str, Any]]:
        return self.tables[name].to_pylist()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)


def read_bucket(folder: str, bucket: int) -> Bucket:
    """One bucket's tables (shared ones included) from its Parquet, straight into the features'
    frames (Arrow -> pandas, no row dicts)."""
    read: dict[str, pa.Table] = {}
    for model in tables(decision_log=True):  # a table not exported has no folder
        name = name_of(model)
        path = os.path.join(folder, name) if model in SHARED else None
        if path is None:
            path = os.path.join(folder, name, f"bucket={bucket}")
            if not os.path.isdir(path):
                continue
        read[name] = pq.read_table(path)
    frames = frames_from_tables({n: t.to_pandas() for n, t in read.items()})
    return Bucket(ArrowRows(read), frames)


def _kept(folder: str, bucket: int) -> str:
    return os.path.join(folder, "_buckets", f"{bucket}.pickle")


def keep_bucket(folder: str, bucket: int, got: Bucket) -> None:
    """The bucket as the population pass built it, for the decide pass (a pickle beside the
    Parquet: reading it back costs far less than building the frames again)."""
    path = _kept(folder, bucket)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}"  # a retried or speculative task never sees half a file
    with open(partial, "wb") as out:
        pickle.dump(got, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)


def kept_bucket(folder: str, bucket: int) -> Bucket:
    """The bucket the population pass kept, or read again from Parquet if it is not there."""
    try:
        with open(_kept(folder, bucket), "rb") as f:
            got = pickle.load(f)
    except FileNotFoundError:
        return read_bucket(folder, bucket)
    assert isinstance(got, Bucket)
    return got


def _buckets(spark: SparkSession, buckets: int) -> DataFrame:
    return spark.createDataFrame(
        spark.sparkContext.parallelize([(b,) for b in range(buckets)], buckets), "bucket int"
    )


def _population(spark: SparkSession, folder: str, day: date, buckets: int) -> Population:
    cols: list[str] = []

    def parts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for b in batch["bucket"].tolist():
                got = read_bucket(folder, int(b))
                keep_bucket(folder, int(b), got)
                counts = population_part(got, day).counts
                yield counts.reset_index().astype({"creditor_id": "int64"})

    probe = population_part(Bucket.of_rows({}), day).counts  # the columns, from an empty ledger
    cols = [str(c) for c in probe.columns]
    schema = "creditor_id long, " + ", ".join(f"{c} double" for c in cols)
    got = _buckets(spark, buckets).mapInPandas(parts, schema).toPandas()
    counts = got.groupby("creditor_id")[cols].sum()
    return add_populations([Population(pd.Timestamp(day, tz="UTC"), counts)])


def decide(
    spark: SparkSession,
    folder: str,
    day: date,
    pinned: Pinned | None,
    *,
    buckets: int,
    seed: int,
    cycle_time: clock,
    limits: Mapping[int, CreditorLimits],
    days_late: DaysLatePredictor | None = None,
) -> DataFrame:
    """The day's decisions as a cached DataFrame (:data:`batch.day.OUT_COLUMNS`), the contacts
    the creditors' limits refuse dropped (:mod:`batch.limits`)."""
    require_utc(spark)
    pooled = _population(spark, folder, day, buckets)
    version = pinned.version if pinned else LADDER_VERSION
    shipped = spark.sparkContext.broadcast(daemon.ship(pinned))
    shipped_late = spark.sparkContext.broadcast(pickle.dumps(days_late))

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = daemon.pinned(version, shipped)
        late = pickle.loads(shipped_late.value)  # a payment-time model's pickle: ~0.1 MB
        for batch in batches:
            for b in batch["bucket"].tolist():
                got = kept_bucket(folder, int(b))
                yield decide_bucket(
                    got, day, model, pooled, seed=seed, cycle_time=cycle_time, days_late=late
                )

    schema = ", ".join(f"{k} {v}" for k, v in OUT_COLUMNS.items())
    out = _buckets(spark, buckets).mapInPandas(run, schema).cache()
    out.count()
    if not limits:
        return out
    # a creditor's budget is spent by debtor id over all its buckets: one group per creditor,
    # of its planned contacts only (few columns); the refused ids go back to every partition
    planned = out.where(F.col("contact_key").isNotNull()).select(*PLANNED_COLUMNS)
    refused = planned.groupBy("creditor_id").applyInPandas(
        lambda rows: refusals(rows, limits), "id string, refusal string"
    )
    got = refused.toPandas()
    if got.empty:
        return out
    shipped_refusals = spark.sparkContext.broadcast(
        dict(zip(got["id"], got["refusal"], strict=True))
    )

    def refuse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield with_refusals(batch, shipped_refusals.value)

    limited = out.mapInPandas(refuse, schema).cache()
    limited.count()
    out.unpersist()
    return limited


def write_back(
    decisions: DataFrame,
    url: str,
    *,
    connections: int,
    fail_first_attempt: bool = False,
    attempts_log: str | None = None,
) -> writeback.Written:
    """Each of at most ``connections`` partitions in one transaction; counts of new rows.

    ``fail_first_attempt``: the first partition's first attempt fails after it committed (the
    exactly-once test: the retry must insert nothing twice); ``attempts_log``: a file each
    attempt appends "partition attempt" to (the test reads it)."""

    def write(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from pyspark import TaskContext

        rows = pd.concat(list(batches))
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            written = writeback.write_partition(engine, rows)
        finally:
            engine.dispose()
        ctx = TaskContext.get()
        if attempts_log and ctx is not None:
            with open(attempts_log, "a") as log:
                log.write(f"{ctx.partitionId()} {ctx.attemptNumber()}\n")
        first = ctx is not None and ctx.partitionId() == 0 and ctx.attemptNumber() == 0
        if fail_first_attempt and first:
            raise RuntimeError("injected failure after the partition committed")
        yield pd.DataFrame(
            {"recommendations": [written.recommendations], "contacts": [written.contacts]}
        )

    parts = decisions.repartition(connections).mapInPandas(
        write, "recommendations long, contacts long"
    )
    got = parts.toPandas()
    return writeback.Written(int(got["recommendations"].sum()), int(got["contacts"].sum()))


def run(
    spark: SparkSession,
    engine: Engine,
    day: date,
    pinned: Pinned | None,
    *,
    buckets: int,
    seed: int,
    cycle_time: clock,
    workdir: Path,
    connections: int = 4,
    partitions: int | None = None,
    fail_first_attempt: bool = False,
    attempts_log: str | None = None,
    days_late: DaysLatePredictor | None = None,
) -> RunReport:
    require_utc(spark)
    started_at = utcnow()
    report = RunReport(engine="spark", buckets=buckets)
    with report.phase("export"):
        report.debtors, limits = export_snapshot(
            spark,
            engine,
            workdir,
            buckets=buckets,
            # JDBC partitions: as many as the cluster reads at once, not one per bucket
            partitions=partitions or min(buckets, spark.sparkContext.defaultParallelism),
            day=day,
            cycle_time=cycle_time,
            decision_log=plans(pinned),
        )
    with report.phase("decide"):
        decisions = decide(
            spark,
            str(workdir),
            day,
            pinned,
            buckets=buckets,
            seed=seed,
            cycle_time=cycle_time,
            limits=limits,
            days_late=days_late,
        )
    with report.phase("write"):
        url = engine.url.render_as_string(hide_password=False)
        written = write_back(
            decisions,
            url,
            connections=connections,
            fail_first_attempt=fail_first_attempt,
            attempts_log=attempts_log,
        )
        report.inserted_recommendations = written.recommendations
        report.inserted_contacts = written.contacts
        counts = decisions.agg(
            F.count("*").alias("n"), F.count("contact_key").alias("planned")
        ).first()
        assert counts is not None
        writeback.finish_run(
            engine,
            report,
            day=day,
            model_version=pinned.version if pinned else LADDER_VERSION,
            decided=int(counts["n"]),
            planned=int(counts["planned"]),
            started_at=started_at,
        )
        decisions.unpersist()
    report.finished = time.perf_counter()
    return report
