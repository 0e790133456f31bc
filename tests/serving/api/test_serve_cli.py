"""``dunflow serve --workers 2``: two uvicorn worker processes, each built from the environment,
answer on one port (the daily cycle keeps two calls in flight against them)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from ledger import migrate
from ledger.db import make_engine
from serving.api.security import create_api_key
from tests.conftest import MlflowTemplate
from tests.serving.scheduler.conftest import free_port
from tests.waits import HANG_GUARD_S


@pytest.mark.slow
def test_two_workers_serve_one_port(tmp_path: Path, mlflow_template: MlflowTemplate) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        admin = create_api_key(session, creditor_id=None, is_admin=True, label="t")
        session.commit()
    engine.dispose()
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_template.store_at(tmp_path / "mlflow.db")}
    env.pop("DUNFLOW_DATABASE_URL", None)
    dunflow = Path(sys.executable).parent / "dunflow"
    proc = subprocess.Popen(
        [str(dunflow), "serve", "--port", str(port), "--workers", "2", "--db", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + HANG_GUARD_S
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        ready = httpx.get(f"{base}/readyz", timeout=HANG_GUARD_S).json()
        assert ready["status"] == "degraded"  # no champion in the empty registry: the ladder
        # the admin key is found in the database given by --db, in whichever worker answers
        for _ in range(2):
            r = httpx.post(
                f"{base}/v1/admin/reload", headers={"X-API-Key": admin}, timeout=HANG_GUARD_S
            )
            assert r.status_code == 200, r.text
        workers = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 2
    finally:
        proc.terminate()
        proc.wait(timeout=HANG_GUARD_S)
