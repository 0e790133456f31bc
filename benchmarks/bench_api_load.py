"""Benchmark: the scoring API under 50 concurrent clients for 60 s, the champion alias moved to a
new model version half-way (the API's poller reloads it while serving): errors, p50/p99.

Setup as ``bench_api.py`` (one copy of its helpers, imported): a simulated ledger (seed 5, 300
debtors, 60 days), small LightGBM outcome models with synthetic labels (``served_policy.py``),
registered twice (versions 1 and 2); ``dunflow serve`` (one uvicorn worker) follows
``dunning-policy@champion`` with ``DUNFLOW_MODEL_POLL_SECONDS=2``. 50 asyncio clients each send
single-debtor recommendation calls back to back; at 30 s the alias moves to version 2. Every
answer that is not a 200 — and every transport error or timeout — counts as an error. Writes
``benchmarks/results/api_load.json``.
"""

import asyncio
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_api import BIN, _start, _stop, _wait
from served_policy import NAME, bench_ledger, free_port, log_version, register

from serving.api.settings import get_api_settings

OUT = Path(__file__).resolve().parent / "results" / "api_load.json"
CLIENTS, SECONDS, RELOAD_AT_S, POLL_S = 50, 60.0, 30.0, 2


async def _clients(url: str, ids: list[int], headers: dict[str, str]) -> dict[str, Any]:
    latencies: list[tuple[float, float]] = []  # (start offset, seconds)
    errors: list[str] = []
    started = time.perf_counter()
    stop = started + SECONDS
    # one kept connection per client, dropped by the client before the server would drop it
    # (the server's keep-alive is ApiSettings.keep_alive_s): no request races a server-side close
    limits = httpx.Limits(
        max_connections=CLIENTS,
        max_keepalive_connections=CLIENTS,
        keepalive_expiry=get_api_settings().keep_alive_s / 2,
    )
    async with httpx.AsyncClient(timeout=60, headers=headers, limits=limits) as client:

        async def one_client(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await client.post(url, json={"debtor_ids": [ids[i % len(ids)]]})
                    if r.status_code != 200:
                        errors.append(f"HTTP {r.status_code}: {r.text[:120]}")
                except httpx.HTTPError as err:
                    errors.append(f"{type(err).__name__}: {err}")
                latencies.append((t - started, time.perf_counter() - t))
                i += CLIENTS

        await asyncio.gather(*(one_client(k) for k in range(CLIENTS)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "wall": wall}


def _figures(latencies: list[float]) -> dict[str, float]:
    ms = np.array(latencies) * 1000
    return {
        "requests": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def main(debtors: int = 300, days: int = 60, seed: int = 5) -> dict[str, Any]:
    from mlflow import MlflowClient

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        led = bench_ledger(tmp, debtors, days, seed, "bench-load")
        db, engine, ids, key = led.db, led.engine, led.ids, led.key
        uri = f"sqlite:///{tmp / 'mlflow.db'}"
        first = register(led.policy, tmp, uri)
        second = log_version(led.policy, tmp / "policy-v2")
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": uri,
            "DUNFLOW_MODEL_POLL_SECONDS": str(POLL_S),
            "OMP_NUM_THREADS": "1",
        }
        port = free_port()
        api = _start(
            [str(BIN / "dunflow"), "serve", "--port", str(port), "--db", db], env, tmp / "api.log"
        )
        moved: list[float] = []
        try:
            base_url = f"http://127.0.0.1:{port}"
            # a guard, not a target: loading the model took over 180 s on the overloaded machine
            _wait(f"{base_url}/readyz", api, 900, tmp / "api.log", want=f"{NAME}/{first}")
            url, headers = f"{base_url}/v1/recommendations", {"X-API-Key": key}
            warm = httpx.post(url, json={"debtor_ids": ids[:100]}, headers=headers, timeout=120)
            assert warm.status_code == 200, warm.text

            def move_alias() -> None:
                time.sleep(RELOAD_AT_S)
                MlflowClient().set_registered_model_alias(NAME, "champion", second)
                moved.append(RELOAD_AT_S)

            mover = threading.Thread(target=move_alias)
            mover.start()
            run = asyncio.run(_clients(url, ids, headers))
            mover.join()
            # the poller loads the new version beside the old one; wait for it (a guard only)
            t = time.perf_counter()
            _wait(f"{base_url}/readyz", api, 900, tmp / "api.log", want=f"{NAME}/{second}")
            serving = httpx.get(f"{base_url}/readyz", timeout=60).json().get("model_version")
            reload_done_after_run_s = round(time.perf_counter() - t, 1)
        finally:
            _stop(api)
        engine.dispose()
    lat = run["latencies"]
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clients": CLIENTS,
        "seconds": round(run["wall"], 1),
        "errors": len(run["errors"]),
        "error_examples": sorted(set(run["errors"]))[:5],
        "all": _figures([s for _, s in lat]),
        "before_reload": _figures([s for t, s in lat if t < RELOAD_AT_S]),
        "after_reload": _figures([s for t, s in lat if t >= RELOAD_AT_S]),
        "throughput_rps": round(len(lat) / run["wall"], 1),
        "model_before": f"{NAME}/{first}",
        "alias_moved_at_s": moved[0] if moved else None,
        "model_after": serving,
        "reloaded": serving == f"{NAME}/{second}",
        "reload_finished_s_after_the_clients_stopped": reload_done_after_run_s,
        # the host's 1-minute load average when the clients stopped: latency on a shared host
        # depends on it, the error count must not
        "load_average_1min": round(os.getloadavg()[0], 2),
        "target_met": not run["errors"] and serving == f"{NAME}/{second}",
        "setup": {
            "ledger": f"simulated, seed {seed}, {debtors} debtors, {days} days (SQLite)",
            "server": "dunflow serve, one uvicorn worker, OMP_NUM_THREADS=1, "
            f"DUNFLOW_MODEL_POLL_SECONDS={POLL_S}",
            "clients": f"{CLIENTS} httpx.AsyncClient tasks on the same 2-core host, single-debtor "
            "calls with explanation, back to back; latency includes waiting for the one worker "
            "(Little's law: about clients / throughput)",
        },
    }


if __name__ == "__main__":
    import json

    result = main()
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "setup"}, indent=2))
    sys.exit(0 if result["target_met"] else 1)
