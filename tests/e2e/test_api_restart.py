"""The daily cycle with the scoring API killed (SIGKILL) mid-cycle and started again: the killed
run plans nothing (one transaction at the end), the re-run completes and plans every contact once,
and a third run plans nothing — on SQLite and PostgreSQL, ``dunflow serve`` a real process."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from ledger.tables import Contact, Creditor
from serving.scheduler.cycle import run_cycle
from serving.scheduler.scoring_client import ScoringClient, ScoringError
from tests.conftest import MlflowTemplate
from tests.e2e.fault_servers import free_port
from tests.serving.scheduler.conftest import CYCLE, make_book
from tests.waits import HANG_GUARD_S

N_DEBTORS = 12


def serve(db_url: str, port: int, mlflow_uri: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_uri}
    env.pop("DUNFLOW_DATABASE_URL", None)
    dunflow = Path(sys.executable).parent / "dunflow"
    proc = subprocess.Popen(
        [str(dunflow), "serve", "--port", str(port), "--db", db_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        assert proc.poll() is None, "dunflow serve exited"
        assert time.monotonic() < deadline, "dunflow serve never answered"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)


class KilledAfterFirstBatch:
    """The scheduler's client, with the API process killed once the first batch has come back."""

    def __init__(self, client: ScoringClient, proc: subprocess.Popen[bytes]) -> None:
        self.client, self.proc = client, proc

    def stream(self, *args: Any, **kw: Any) -> Iterator[Any]:
        for i, answers in enumerate(self.client.stream(*args, **kw)):
            if i == 0:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
            yield answers


def contacts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Contact)).one()
        debtors = session.exec(select(func.count(func.distinct(Contact.debtor_id)))).one()
    return int(total), int(debtors)


@pytest.mark.slow
def test_the_cycle_survives_the_api_killed_mid_cycle(
    db_url: str, engine: Engine, tmp_path: Path, mlflow_template: MlflowTemplate
) -> None:
    book = make_book(engine, n=N_DEBTORS)
    with Session(engine, expire_on_commit=False) as session:
        creditor = session.get(Creditor, book.creditor_id)
    assert creditor is not None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mlflow_uri = mlflow_template.store_at(tmp_path / "mlflow.db")
    proc = serve(db_url, port, mlflow_uri)
    client = ScoringClient(url, lambda _name: book.key, batch_size=2, in_flight=1)
    try:
        with pytest.raises(ScoringError):
            run_cycle(engine, creditor, CYCLE, KilledAfterFirstBatch(client, proc))  # type: ignore[arg-type]
        assert contacts(engine) == (0, 0)  # the killed run planned nothing
        proc = serve(db_url, port, mlflow_uri)
        rerun = run_cycle(engine, creditor, CYCLE, client)
        assert rerun.answered == N_DEBTORS
        assert rerun.planned == N_DEBTORS
        assert contacts(engine) == (N_DEBTORS, N_DEBTORS)  # one contact per debtor
        assert run_cycle(engine, creditor, CYCLE, client).planned == 0
        assert contacts(engine) == (N_DEBTORS, N_DEBTORS)
    finally:
        client.close()
        proc.kill()
        proc.wait()
