"""Benchmark: one daily cycle for 100,000 open debtors — features → scoring → rules → outbox.

A synthetic ledger is bulk-inserted first (not timed): one creditor, 100k debtors with 1–3
invoices each, due dates spread over the last 75 days, a third with an earlier reminder. A policy
with small LightGBM outcome models (:mod:`served_policy`, synthetic labels) is registered in a
private MLflow store as the champion, and ``dunflow serve --workers 2`` (uvicorn, its own
processes, as in production) loads it; the cycle keeps two calls in flight.

Timed: the scheduler's own :func:`serving.scheduler.cycle.run_cycle` over real HTTP, once, in
full — no sampling, no projection:

* ``candidates`` — the cycle's SQL selection;
* ``waiting_for_scoring`` — time the scheduler waited for the API: the first batch includes the
  API building the creditor's feature snapshot for all 100k debtors; every batch of 1,000 gets
  per debtor the rules' candidates, P(pay)/P(complaint) of each, the exploration draw, SHAP of
  the chosen action with reasons in words, and a stored recommendation;
* ``checking`` — the scheduler's re-check of every answer with ``policy.check`` against the
  ledger (overlapping with the API scoring the next batch);
* ``outbox`` — refusals and planned contacts written in one transaction.

Also reported: CPU seconds of the API process and of the scheduler (this process), and a second
run of the same cycle (it must plan nothing new). Writes ``benchmarks/results/cycle.json``.
Target: the whole cycle ≤ 120 s on 2 cores.
"""

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pandas as pd
import sqlalchemy as sa
from served_policy import COMPLAINT_TREES, LEAVES, NAME, PAY_TREES, free_port, register, train
from sqlmodel import Session, SQLModel

from features import load_frames
from ledger.db import make_engine
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, Invoice
from policy.pyfunc import DunningPolicy
from serving.api.security import create_api_key
from serving.api.snapshots import FeatureSnapshots
from serving.scheduler.cycle import run_cycle
from serving.scheduler.scoring_client import ScoringClient

OUT = Path(__file__).resolve().parent / "results" / "cycle.json"
BIN = Path(sys.executable).parent
AMS = ZoneInfo("Europe/Amsterdam")
BATCH = 1_000
WORKERS = 2  # uvicorn workers of the API, and calls the cycle keeps in flight
DAY = date(2026, 11, 17)
CYCLE = datetime(2026, 11, 17, 8, 30, tzinfo=AMS)


def _debtor(i: int, cid: int, now: datetime) -> dict[str, object]:
    return {
        "id": i + 1, "creditor_id": cid, "external_id": f"B{i:06d}",
        "kind": "b2c" if i % 3 == 0 else "b2b", "name": f"Debtor {i}",
        "email": f"d{i}@example.nl", "phone": f"+316{i:08d}",
        "address_line": f"Dorpsstraat {i % 200 + 1}", "postal_code": "1234 AB",
        "city": "Utrecht", "country": "NL", "language": "nl", "opted_out_channels": [],
        "created_at": now,
    }  # fmt: skip


def _invoice(j: int, cid: int, d: int, ago: int, cents: int, now: datetime) -> dict[str, object]:
    return {
        "id": j + 1, "creditor_id": cid, "debtor_id": d + 1, "number": f"INV{j:07d}",
        "issue_date": DAY - timedelta(days=ago + 30), "due_date": DAY - timedelta(days=ago),
        "amount_cents": cents, "open_amount_cents": cents, "status": "open",
        "payment_reference": f"RF{j:07d}", "created_at": now,
    }  # fmt: skip


def build_ledger(url: str, n: int, seed: int = 1) -> tuple[int, str]:
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    now = datetime(2026, 11, 16, 20, 0, tzinfo=UTC)
    with Session(engine) as session:
        cred = Creditor(name="Bench B.V.", iban="NL91ABNA0417164300")
        session.add(cred)
        session.flush()
        cid = int(cred.id or 0)
        key = create_api_key(session, creditor_id=cid)
        session.execute(sa.insert(Debtor), [_debtor(i, cid, now) for i in range(n)])
        per = rng.integers(1, 4, n)
        owner = np.repeat(np.arange(n), per)
        due_ago = rng.integers(1, 75, owner.size).tolist()
        amount = ((rng.lognormal(5, 1, owner.size) * 100).astype(int) + 100).tolist()
        invoices = [
            _invoice(j, cid, int(d), a, m, now)
            for j, (d, a, m) in enumerate(zip(owner.tolist(), due_ago, amount, strict=True))
        ]
        for k in range(0, len(invoices), 50_000):
            session.execute(sa.insert(Invoice), invoices[k : k + 50_000])
        first_inv = np.r_[0, np.cumsum(per)[:-1]]
        earlier = np.flatnonzero(rng.random(n) < 1 / 3).tolist()
        sent = now - timedelta(days=6)
        session.execute(sa.insert(Contact), [
            {"id": k + 1, "creditor_id": cid, "debtor_id": d + 1, "channel": "email",
             "tone": "friendly", "stage": "reminder", "scheduled_at": sent, "sent_at": sent,
             "status": "sent", "idempotency_key": f"old-{d}", "template": "reminder",
             "attempts": 1, "cost_cents": 0, "created_at": now}
            for k, d in enumerate(earlier)
        ])  # fmt: skip
        session.execute(sa.insert(ContactInvoice), [
            {"contact_id": k + 1, "invoice_id": int(first_inv[d]) + 1, "creditor_id": cid}
            for k, d in enumerate(earlier)
        ])  # fmt: skip
        session.commit()
    with engine.begin() as conn:  # planner statistics, as any ledger in production has them
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return cid, key


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children alive now (uvicorn's workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(_cpu_seconds(int(c)) for c in children)


def main(n: int = 100_000) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        t = time.perf_counter()
        cid, key = build_ledger(url, n)
        build_s = time.perf_counter() - t
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            creditor = session.get(Creditor, cid)
        assert creditor is not None
        base = FeatureSnapshots.build(load_frames(engine, creditor.name), pd.Timestamp(CYCLE))
        policy = DunningPolicy(train(base, CYCLE, np.random.default_rng(1)))
        mlflow_uri = f"sqlite:///{tmp / 'mlflow.db'}"
        version = register(policy, tmp, mlflow_uri)
        del base
        port = free_port()
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": mlflow_uri,
            "DUNFLOW_MODEL_POLL_SECONDS": "0",
            "OMP_NUM_THREADS": "1",  # WORKERS processes already fill the cores
        }
        log = (tmp / "api.log").open("wb")
        api = subprocess.Popen(
            [str(BIN / "dunflow"), "serve", "--port", str(port), "--db", url,
             "--workers", str(WORKERS)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _ready(f"http://127.0.0.1:{port}/readyz", api, f"{NAME}/{version}")
            client = ScoringClient(
                f"http://127.0.0.1:{port}",
                lambda _n: key,
                batch_size=BATCH,
                timeout_s=600,
                in_flight=WORKERS,
            )
            api_cpu, own_cpu = _cpu_seconds(api.pid), time.process_time()
            stats = run_cycle(engine, creditor, CYCLE, client)
            api_cpu, own_cpu = _cpu_seconds(api.pid) - api_cpu, time.process_time() - own_cpu
            again = run_cycle(engine, creditor, CYCLE, client)
            client.close()
        finally:
            api.terminate()
            api.wait(timeout=30)
        engine.dispose()
    total = stats.seconds["total"]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: dict[str, object] = {
        "debtors": n,
        "candidates": stats.candidates,
        "answered": stats.answered,
        "planned": stats.planned,
        "waits": stats.waits,
        "later_day": stats.later_day,
        "refused": stats.refused,
        "planned_by_channel": dict(stats.planned_by_channel),
        "seconds": {k: round(v, 2) for k, v in stats.seconds.items()},
        "total_seconds": round(total, 2),
        "debtors_per_second": round(stats.candidates / total, 1),
        "cpu_seconds": {"api_process": round(api_cpu, 1), "scheduler_process": round(own_cpu, 1)},
        "second_run": {"planned": again.planned, "already_planned": again.already_planned},
        "model": f"LightGBM outcome models, pay {PAY_TREES} trees, complaint {COMPLAINT_TREES}, "
        f"{LEAVES} leaves, synthetic labels (served_policy.py), served as {NAME}/{version}",
        "batch_size": BATCH,
        "api_workers": WORKERS,
        "ledger_build_seconds": round(build_s, 1),
        "scheduler_peak_rss_mb": round(peak_kb / 1024, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "target_seconds": 120,
        "meets_target": total <= 120,
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _ready(url: str, proc: subprocess.Popen[bytes], want: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dunflow serve exited with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200 and want in r.text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not serve {want} within 180 s")


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(main(size), indent=2))
