"""Benchmark: the scheduler's outbox write — ``outbox.enqueue`` of 20,000 planned contacts.

A ledger is bulk-inserted first (not timed): one creditor, 20,000 debtors with 1–3 open invoices
each. Then, timed, in one transaction each as the daily cycle does:

* ``first`` — enqueue of one planned contact per debtor (every contact new: the contact rows,
  their ``contact_invoice`` rows and one ``contact_planned`` dossier event each);
* ``again`` — enqueue of the same 20,000 (every key already known: inserts nothing).

Runs on SQLite (a fresh file) and, when ``DUNFLOW_BENCH_POSTGRES_URL`` points at a database, on
PostgreSQL in a scratch schema dropped afterwards. Writes ``benchmarks/results/outbox.json``
(ms per contact per run and database, rows written). Target: well under 0.1 ms per contact, so
that the cycle's 100,000 contacts cost seconds of its 120 s.
"""

import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, func, select

import ledger.tables  # noqa: F401
from ledger.db import make_engine
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, DossierEvent, Invoice
from serving.scheduler import outbox

OUT = Path(__file__).resolve().parent / "results" / "outbox.json"
DAY = date(2026, 11, 17)
NOW = datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
TARGET_MS = 0.1


def build_ledger(engine: sa.Engine, n: int, seed: int = 1) -> list[outbox.PlannedContact]:
    """One creditor, ``n`` debtors with 1–3 invoices; one planned contact per debtor."""
    SQLModel.metadata.create_all(engine)
    rng = np.random.default_rng(seed)
    per = rng.integers(1, 4, n).tolist()
    with Session(engine) as session:
        cred = Creditor(name="Bench B.V.", iban="NL91ABNA0417164300")
        session.add(cred)
        session.flush()
        cid = int(cred.id or 0)
        session.execute(sa.insert(Debtor), [
            {"id": i + 1, "creditor_id": cid, "external_id": f"B{i:06d}", "kind": "b2b",
             "name": f"Debtor {i}", "email": f"d{i}@example.nl", "country": "NL",
             "language": "nl", "opted_out_channels": [], "created_at": NOW}
            for i in range(n)
        ])  # fmt: skip
        invoices: list[dict[str, object]] = []
        planned: list[outbox.PlannedContact] = []
        for d, k in enumerate(per):
            ids = tuple(range(len(invoices) + 1, len(invoices) + k + 1))
            invoices += [
                {"id": j, "creditor_id": cid, "debtor_id": d + 1, "number": f"INV{j:07d}",
                 "issue_date": DAY - timedelta(days=45), "due_date": DAY - timedelta(days=15),
                 "amount_cents": 10_000, "open_amount_cents": 10_000, "status": "open",
                 "created_at": NOW}
                for j in ids
            ]  # fmt: skip
            planned.append(
                outbox.PlannedContact(
                    creditor_id=cid,
                    debtor_id=d + 1,
                    channel="email",
                    tone="friendly",
                    stage="reminder",
                    template="reminder",
                    scheduled_at=NOW + timedelta(seconds=d),
                    idempotency_key=outbox.idempotency_key(d + 1, DAY.isoformat(), "reminder"),
                    invoice_ids=ids,
                    model_version="bench",
                    propensity=0.8,
                    recommendation_id=str(uuid.UUID(int=d)),
                )
            )
        session.execute(sa.insert(Invoice), invoices)
        session.commit()
    return planned


def _backend_cpu(pid: int | None) -> float | None:
    """CPU seconds used so far by the PostgreSQL backend ``pid``, when the server runs on this
    machine and /proc shows it (None otherwise, and on SQLite, whose work is in this process)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _timed_enqueue(engine: sa.Engine, planned: list[outbox.PlannedContact]) -> dict[str, object]:
    """Wall time and CPU time of this process and of the PostgreSQL backend: the machine may be
    shared, and CPU time is the figure that does not depend on what else runs."""
    n = len(planned)
    with Session(engine) as session:
        conn = session.connection()
        pid = None
        if conn.dialect.name == "postgresql":
            pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        server = _backend_cpu(pid)
        wall, cpu = time.perf_counter(), time.process_time()
        new = outbox.enqueue(session, planned)
        session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server_after = _backend_cpu(pid)
    out: dict[str, object] = {
        "inserted": new,
        "seconds": round(wall, 3),
        "ms_per_contact": round(wall / n * 1000, 4),
        "client_cpu_ms_per_contact": round(cpu / n * 1000, 4),
    }
    if server is not None and server_after is not None:
        out["server_cpu_ms_per_contact"] = round((server_after - server) / n * 1000, 4)
    out["load_average_1min"] = round(os.getloadavg()[0], 1)
    return out


def _count(engine: sa.Engine, table: type[SQLModel]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def run(engine: sa.Engine, n: int) -> dict[str, dict[str, object]]:
    planned = build_ledger(engine, n)
    first = _timed_enqueue(engine, planned)
    again = _timed_enqueue(engine, planned)
    rows: dict[str, object] = {
        "contacts": _count(engine, Contact),
        "contact_invoices": _count(engine, ContactInvoice),
        "dossier_events": _count(engine, DossierEvent),
    }
    expected = {
        "contacts": n,
        "contact_invoices": sum(len(p.invoice_ids) for p in planned),
        "dossier_events": n,
    }
    if (first["inserted"], again["inserted"], rows) != (n, 0, expected):
        raise RuntimeError(f"wrong outbox: {first=} {again=} {rows=} {expected=}")
    return {"first": first, "again_all_duplicates": again, "rows": rows}


@contextmanager
def _postgres_schema(url: str) -> Iterator[sa.Engine]:
    """A scratch schema in the database at ``url``, dropped afterwards."""
    schema = f"bench_outbox_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main(n: int = 20_000) -> dict[str, object]:
    runs: dict[str, dict[str, dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        runs["sqlite"] = run(engine, n)
        engine.dispose()
    pg_url = os.environ.get("DUNFLOW_BENCH_POSTGRES_URL", "")
    if pg_url:
        with _postgres_schema(pg_url) as engine:
            runs["postgresql"] = run(engine, n)
    worst = max(
        float(str(timed["ms_per_contact"]))
        for by_run in runs.values()
        for name, timed in by_run.items()
        if name != "rows"
    )
    result: dict[str, object] = {"benchmark": "outbox", "planned_contacts": n, **runs}
    result["target_ms_per_contact"] = TARGET_MS
    result["meets_target"] = worst < TARGET_MS
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000), indent=2))
