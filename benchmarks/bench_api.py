"""Benchmark: the scoring API against ``mlflow models serve`` of the same policy, same run.

1. Simulate a ledger (seed 5, 2,000 debtors, 120 days) into SQLite; train small outcome models on
   its live feature rows with *synthetic* labels (:mod:`served_policy`: latency depends on the
   models' size, not on what they learned); log them as the ``DunningPolicy`` pyfunc in a
   private MLflow store, registered as ``dunning-policy@champion``.
2. Start ``dunflow serve`` (uvicorn, one worker) on a free 127.0.0.1 port; it loads the champion
   from the registry. Warm up (the day's feature snapshot is built on the first call), then
   measure the steady state with httpx at concurrency 8: single-debtor and 100-debtor calls;
   and single-debtor calls one at a time from a synchronous client (the latency targets).
3. The same API serving a plan champion (:mod:`served_plan`: CHOSEN fitted as production fits it
   on a plan-logged ledger): single-debtor calls one at a time, every one a checkpoint.
4. Start ``mlflow models serve --env-manager local --workers 1`` on the per-day model of step 1
   and send it the equivalent work: the candidate feature rows of 1 / 100 debtors as
   ``dataframe_split``.
5. Write ``benchmarks/results/api.json`` with p50/p99/throughput of both and the ratios.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import psutil
from served_plan import MODEL, log_plan_version, plan_log, plan_policy, tree_shapes
from served_policy import (
    COMPLAINT_TREES,
    LEAVES,
    NAME,
    PAY_TREES,
    bench_ledger,
    free_port,
    register,
)
from sqlmodel import Session
from timed_run import machine, run

from features.specs import FEATURES
from policy import allowed_actions, state_from_ledger
from policy.decide import candidate_rows

OUT = Path(__file__).resolve().parent / "results" / "api.json"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = 8


def _wait(
    url: str, proc: subprocess.Popen[bytes], seconds: float, log: Path, want: str | None = None
) -> None:
    try:
        _poll(url, proc, seconds, want)
    except (RuntimeError, TimeoutError):
        print(log.read_text()[-3000:], file=sys.stderr)
        raise


def _poll(url: str, proc: subprocess.Popen[bytes], seconds: float, want: str | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200 and (want is None or want in r.text):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready in {seconds} s")


async def _load(
    url: str,
    bodies: list[Any],
    headers: dict[str, str],
    max_seconds: float,
    concurrency: int = CONCURRENCY,
) -> dict[str, Any]:
    """Send ``bodies`` at ``concurrency`` (stop early after ``max_seconds``); latency figures."""
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(bodies))
    stop = time.perf_counter() + max_seconds
    async with httpx.AsyncClient(timeout=60, headers=headers) as client:

        async def worker() -> None:
            nonlocal errors
            while queue and time.perf_counter() < stop:
                body = queue.pop()
                t = time.perf_counter()
                r = await client.post(url, json=body)
                latencies.append(time.perf_counter() - t)
                errors += r.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return _figures(latencies, errors, wall, concurrency)


def _cpu_seconds(proc: subprocess.Popen[bytes]) -> float:
    """CPU time (user + system) the server and its children have used so far."""
    root = psutil.Process(proc.pid)
    return sum(
        t.user + t.system for t in (p.cpu_times() for p in [root, *root.children(recursive=True)])
    )


def _sequential(
    url: str,
    bodies: list[Any],
    headers: dict[str, str],
    max_seconds: float,
    server: subprocess.Popen[bytes] | None = None,
) -> dict[str, Any]:
    """One call at a time from a plain (synchronous) client on one kept connection: the latency of
    a call, without the asyncio load generator's own ~1 ms per request on the shared cores. With
    ``server``: also its CPU milliseconds per call, which a busy machine disturbs far less than
    the latency."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + max_seconds
    cpu = _cpu_seconds(server) if server is not None else 0.0
    with httpx.Client(timeout=60, headers=headers) as client:
        started = time.perf_counter()
        for body in bodies:
            if time.perf_counter() >= stop:
                break
            t = time.perf_counter()
            r = client.post(url, json=body)
            latencies.append(time.perf_counter() - t)
            errors += r.status_code != 200
        wall = time.perf_counter() - started
    out = _figures(latencies, errors, wall, 1)
    if server is not None:
        out["server_cpu_ms_per_call"] = round(
            (_cpu_seconds(server) - cpu) * 1000 / max(len(latencies), 1), 2
        )
    return out


def _figures(latencies: list[float], errors: int, wall: float, concurrency: int) -> dict[str, Any]:
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "concurrency": concurrency,
        "wall_seconds": round(wall, 2),
    }


def _reading(results: dict[str, Any]) -> dict[str, str]:
    """How the targets are judged, with this run's figures (the JSON says it, not only the
    README)."""
    c8 = results["ours_single"]
    return {
        "latency": "single debtor with explanation, one call at a time (*_sequential). At "
        f"concurrency 8 on one worker, 8 calls wait for each other: by Little's law the mean "
        f"latency is 8 / throughput = {8000 / c8['throughput_rps']:.1f} ms "
        f"(measured mean {c8['mean_ms']} ms); a p50 of 5 ms there needs 1,600 req/s from one "
        "process, so the concurrency-8 p50 is reported, not judged",
        "throughput": "single-debtor calls at concurrency 8, ours / MLflow's. The 100-debtor "
        "ratio is reported too: per debtor ours loads the ledger state, applies the rules, "
        "explains the choice with SHAP and stores the answer, where MLflow scores rows the "
        "client built; SHAP alone costs about a quarter of our per-debtor time",
    }


def _mlflow_payload(engine: Any, base: pd.DataFrame, ids: list[int], now: datetime) -> Any:
    """The candidate feature rows of these debtors, as the pyfunc takes them, as JSON."""
    rows, extra = [], []
    with Session(engine) as session:
        for d in ids:
            state = state_from_ledger(session, d, now)
            at_stake = sum(i.open_amount_cents for i in state.invoices)
            for a in allowed_actions(state, now):
                rows.append(
                    {
                        "debtor_id": d,
                        "channel": "none" if a.is_wait else str(a.channel),
                        "tone": "none" if a.is_wait else str(a.tone),
                        "send_at": pd.Timestamp(a.send_at),
                        "cost_cents": a.cost_cents,
                        "open_cents": at_stake,
                    }
                )
                extra.append((a.send_at - now).total_seconds() / 86400)
    cands = pd.DataFrame(rows)
    frame = candidate_rows(base, cands)[[s.name for s in FEATURES]].copy()
    frame["open_cents"] = cands["open_cents"].to_numpy()
    frame["cost_cents"] = cands["cost_cents"].to_numpy()
    frame["days_until_send"] = extra
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("object")
    split = json.loads(frame.to_json(orient="split", index=False))
    return {"dataframe_split": {"columns": split["columns"], "data": split["data"]}}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _plan_phase(led: Any, tmp: Path, env: dict[str, str], ids: list[int], key: str) -> Any:
    """The same API serving a plan champion (a new version, alias moved): every call of the day
    is a checkpoint, so each answer scores the plans and explains the choice against waiting and
    the runner-up (SHAP of three plans' parts)."""
    import mlflow
    from mlflow import MlflowClient

    log = plan_log(tmp)
    policy = plan_policy(log)
    log.engine.dispose()
    version = log_plan_version(policy, tmp / "plan", NAME)
    MlflowClient().set_registered_model_alias(NAME, "champion", version)
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    port = free_port()
    api = _start(
        [str(BIN / "dunflow"), "serve", "--port", str(port), "--db", led.db], env, tmp / "plan.log"
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait(f"{base_url}/readyz", api, 120, tmp / "plan.log", want=f"{NAME}/{version}")
        url, headers = f"{base_url}/v1/recommendations", {"X-API-Key": key}
        warm = httpx.post(url, json={"debtor_ids": ids[:100]}, headers=headers, timeout=120)
        assert warm.status_code == 200, warm.text
        assert warm.json()["recommendations"][0]["plan"]["checkpoint"]
        singles = [{"debtor_ids": [ids[k % len(ids)]]} for k in range(1600)]
        _sequential(url, singles[:80], headers, 30)  # warm-up, discarded
        return {
            "single_sequential": _sequential(url, singles, headers, 10, api),
            "model": MODEL,
            "plan_trees": tree_shapes(policy),
            "per_call": "every call is a checkpoint: its plans scored from the day's encoded "
            "state rows, one drawn, explained against waiting and the runner-up with TreeSHAP "
            "of the 3 weighed parts over the plan boosters' trees that split on a plan column "
            "(3 plans x 3 boosters of those trees; the parts from the decision's predictions)",
        }
    finally:
        _stop(api)


def main(debtors: int = 2_000, days: int = 120, seed: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        led = bench_ledger(tmp, debtors, days, seed, "bench")
        db, engine, ids, key, base, now = led.db, led.engine, led.ids, led.key, led.base, led.now
        uri = f"sqlite:///{tmp / 'mlflow.db'}"
        version = register(led.policy, tmp, uri)
        # ours as `dunflow serve` runs in production, without OMP_NUM_THREADS (policy/lgb_threads
        # asks LightGBM for one thread per small batch); MLflow's pyfunc predicts with LightGBM's
        # default threads, so it gets OMP_NUM_THREADS=1, its best case for small calls
        env = {
            **{k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"},
            "MLFLOW_TRACKING_URI": uri,
            "DUNFLOW_MODEL_POLL_SECONDS": "0",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # mlflow runs `uvicorn`
        }
        results: dict[str, Any] = {}
        port = free_port()
        api = _start(
            [str(BIN / "dunflow"), "serve", "--port", str(port), "--db", db], env, tmp / "api.log"
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait(f"{base_url}/readyz", api, 120, tmp / "api.log", want=f"{NAME}/{version}")
            url, headers = f"{base_url}/v1/recommendations", {"X-API-Key": key}
            warm = httpx.post(url, json={"debtor_ids": ids[:100]}, headers=headers, timeout=120)
            assert warm.status_code == 200, warm.text
            assert not warm.json()["recommendations"][0]["degraded"]
            singles = [{"debtor_ids": [ids[k % len(ids)]]} for k in range(1600)]
            asyncio.run(_load(url, singles[:80], headers, 30))  # warm-up, discarded
            results["ours_single"] = asyncio.run(_load(url, singles, headers, 40))
            results["ours_single_sequential"] = _sequential(url, singles, headers, 10, api)
            results["ours_single_sequential_asyncio_client"] = asyncio.run(
                _load(url, singles, headers, 10, 1)
            )
            batches = [
                {"debtor_ids": [ids[(k * 100 + j) % len(ids)] for j in range(100)]}
                for k in range(80)
            ]
            results["ours_batch100"] = asyncio.run(_load(url, batches, headers, 60))
        finally:
            _stop(api)
        results["plan_champion"] = _plan_phase(led, tmp, env, ids, key)
        one = _mlflow_payload(engine, base, ids[:1], now)
        hundred = _mlflow_payload(engine, base, ids[:100], now)
        port = free_port()
        mlf = _start(
            [str(BIN / "mlflow"), "models", "serve", "-m", f"models:/{NAME}/{version}",
             "--env-manager", "local", "-p", str(port), "-h", "127.0.0.1", "-w", "1"],
            {**env, "OMP_NUM_THREADS": "1"}, tmp / "mlflow.log",
        )  # fmt: skip
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait(f"{base_url}/ping", mlf, 180, tmp / "mlflow.log")
            url = f"{base_url}/invocations"
            check = httpx.post(url, json=one, timeout=60)
            assert check.status_code == 200, check.text
            asyncio.run(_load(url, [one] * 80, {}, 30))  # warm-up, discarded
            results["mlflow_single"] = asyncio.run(_load(url, [one] * 1600, {}, 40))
            results["mlflow_single_sequential"] = _sequential(url, [one] * 1600, {}, 10, mlf)
            results["mlflow_single_sequential_asyncio_client"] = asyncio.run(
                _load(url, [one] * 1600, {}, 10, 1)
            )
            results["mlflow_batch100"] = asyncio.run(_load(url, [hundred] * 80, {}, 60))
        finally:
            _stop(mlf)
        engine.dispose()
    return {
        **results,
        "throughput_ratio_single": round(
            results["ours_single"]["throughput_rps"] / results["mlflow_single"]["throughput_rps"], 2
        ),
        "throughput_ratio_batch100": round(
            results["ours_batch100"]["throughput_rps"]
            / results["mlflow_batch100"]["throughput_rps"],
            2,
        ),
        "targets": {"single_p50_ms": 5, "single_p99_ms": 15, "throughput_ratio": 3},
        "reading_of_the_targets": _reading(results),
        "targets_met": {
            "single_p50_ms_at_concurrency_8": results["ours_single"]["p50_ms"] <= 5,
            "single_p50_ms_sequential": results["ours_single_sequential"]["p50_ms"] <= 5,
            "plan_champion_single_p50_ms_sequential": results["plan_champion"]["single_sequential"][
                "p50_ms"
            ]
            <= 5,
            "single_p99_ms_sequential": results["ours_single_sequential"]["p99_ms"] <= 15,
            "throughput_ratio_single": results["ours_single"]["throughput_rps"]
            >= 3 * results["mlflow_single"]["throughput_rps"],
        },
        "setup": {
            "ledger": f"simulated, seed {seed}, {debtors} debtors, {days} days (SQLite)",
            "creditor": led.creditor_name,
            "debtors_in_ledger": led.debtors_in_ledger,
            "debtors_with_open_invoices": len(ids),
            "candidate_rows_single": len(one["dataframe_split"]["data"]),
            "candidate_rows_batch100": len(hundred["dataframe_split"]["data"]),
            "model": f"LightGBM OutcomeModels (pay {PAY_TREES} trees, complaint {COMPLAINT_TREES}, "
            f"{LEAVES} leaves) trained on the ledger's live feature rows with SYNTHETIC labels "
            "(benchmarks/served_policy.py): fine for latency, not for quality",
            "concurrency": CONCURRENCY,
            "servers": "both uvicorn, one worker process; ours without OMP_NUM_THREADS, as "
            "`dunflow serve` runs (policy/lgb_threads.py: one thread below 4,096 rows), MLflow's "
            "with OMP_NUM_THREADS=1 (its best case: its pyfunc predicts with LightGBM's default "
            "threads, which wakes the OpenMP pool for every call); the load client "
            "(httpx, asyncio) runs on the same 2-core host and takes a share of the CPU",
            "clients": "concurrency 8: httpx.AsyncClient; *_sequential (one call at a time, the "
            "latency targets): httpx.Client on one kept connection; *_sequential_asyncio_client: "
            "the same calls from httpx.AsyncClient, for comparison (its own CPU per request adds "
            "to every latency, as the client shares the 2 cores)",
            "steady_state": "feature snapshot and encoded matrix warm (one 100-debtor call and "
            "80 single calls before measuring, discarded)",
        },
        "what_each_side_does": {
            "ours": "per debtor: API-key auth, ledger state (DB queries), the rules' allowed "
            "actions, feature rows from the daily snapshot, P(pay)/P(complaint) of every "
            "candidate, value, exploration draw with propensity, SHAP of the chosen action with "
            "reasons in words, rule refusals, and one stored Recommendation row (SQLite write)",
            "mlflow": "scoring only: P(pay), P(complaint) and value of candidate rows the client "
            "already built (no rules, no features, no choice, no SHAP, no storage)",
        },
        "machine": machine(),
    }


if __name__ == "__main__":
    run(main, OUT)
