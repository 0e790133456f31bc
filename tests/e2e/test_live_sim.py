"""The demo's driver end to end on a short run: the scheduler over HTTP against simulated debtors,
real SMTP into the local mail server, files for the rest — and a clean rule audit, with the
fixed ladder answering and with a learned policy answering."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dunflow.live_sim import LiveSimConfig, run_live_sim
from ledger.db import make_engine
from ledger.tables import DossierEvent
from serving.api.model_store import LoadedModel, ModelStore
from tests.conftest import MlflowTemplate
from tests.serving.api.tiny_policy import tiny_policy


@pytest.mark.slow
@pytest.mark.parametrize("answering", ["ladder", "learned"])
def test_a_short_live_run_sends_collects_and_passes_the_audit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answering: str,
    mlflow_template: MlflowTemplate,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_template.store_at(tmp_path / "mlflow.db"))
    store = (
        ModelStore(lambda: LoadedModel("tiny/1", tiny_policy(epsilon=0.2)))
        if answering == "learned"
        else ModelStore(None)
    )
    cfg = LiveSimConfig(days=6, debtors=150, warmup_days=75, seed=3, end=date(2026, 11, 20))
    result = run_live_sim(tmp_path / "live", cfg, log=lambda _msg: None, store=store)
    sent = sum(f.sent for f in result.channels.values())
    assert sent > 0
    assert result.audit.contacts == sent
    assert result.audit.ok, result.audit.lines()
    mails = list((tmp_path / "live" / "outbox" / "mail").rglob("*.eml"))
    assert len(mails) == result.channels["email"].sent  # the SMTP server got each e-mail once
    assert sum(f.collected_cents for f in result.channels.values()) >= 0
    # the dossier tells the simulated days, not the wall-clock time of the run
    with Session(make_engine(f"sqlite:///{tmp_path / 'live' / 'ledger.db'}")) as session:
        latest = session.exec(select(func.max(DossierEvent.occurred_at))).one()
    assert latest is not None
    assert latest < datetime.combine(result.last_day + timedelta(days=2), datetime.min.time(), UTC)
