"""The demo's driver end to end on a short run: the scheduler over HTTP against simulated debtors,
real SMTP into the local mail server, files for the rest — and a clean rule audit, with the
fixed ladder answering, with a learned policy answering and with the plan-logging policy serving
the plans the creditors state (the flow a creditor is served while its plan model is refused)."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, select

from dunflow.live_sim import LiveSimConfig, run_live_sim, state_plans
from dunflow.live_world import build_ledger
from ledger.db import make_engine
from ledger.tables import DossierEvent
from serving.api.model_store import LoadedModel, ModelStore
from tests.conftest import MlflowTemplate
from tests.serving.api.tiny_policy import tiny_policy
from training.plan_logging_run import chosen_logging_policy

PLANNED_CREDITOR = "Groothandel Van Dijk B.V."
PLANNED = f"{PLANNED_CREDITOR}:zakelijk"
AT = datetime(2026, 11, 1, 7, tzinfo=UTC)  # a simulated ledger's clock


@pytest.mark.slow
@pytest.mark.parametrize("answering", ["ladder", "learned", "plan-logging"])
def test_a_short_live_run_sends_collects_and_passes_the_audit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answering: str,
    mlflow_template: MlflowTemplate,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_template.store_at(tmp_path / "mlflow.db"))
    stores = {
        "ladder": ModelStore(None),
        "learned": ModelStore(lambda: LoadedModel("tiny/1", tiny_policy(epsilon=0.2))),
        "plan-logging": ModelStore(lambda: LoadedModel("logging/1", chosen_logging_policy(0.2))),
    }
    store = stores[answering]
    plans = (PLANNED, "phone/neutral/7d") if answering == "plan-logging" else None
    cfg = LiveSimConfig(days=6, debtors=150, warmup_days=75, seed=3, end=date(2026, 11, 20),
                        segment_plans=(plans,) if plans else ())  # fmt: skip
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
    if answering == "plan-logging":  # the stated segment is served plans, the others the ladder
        engine = make_engine(f"sqlite:///{tmp_path / 'live' / 'ledger.db'}")
        q = ("SELECT s.name = 'zakelijk' AND c.name = :creditor, r.model_version,"
             " json_extract(r.body, '$.plan.label') IS NOT NULL, count(*) FROM recommendation r"
             " JOIN debtor d ON d.id = r.debtor_id JOIN creditor c ON c.id = d.creditor_id"
             " LEFT JOIN segment s ON s.id = d.segment_id GROUP BY 1, 2, 3")  # fmt: skip
        with engine.connect() as conn:
            rows = {(bool(a), v, bool(p)): n for a, v, p, n in
                    conn.execute(sa.text(q), {"creditor": PLANNED_CREDITOR})}  # fmt: skip
        assert rows.get((True, "logging/1", True), 0) > 0, rows
        assert not any(planned for (stated, _, planned) in rows if not stated), rows


def test_stated_plans_are_written_and_audited_and_every_wrong_one_named(tmp_path: Path) -> None:
    from ledger import migrate
    from ledger.tables import Segment

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    build_ledger(engine, 3, 60, 40, 5, date(2026, 11, 20))
    with pytest.raises(ValueError, match="segment-plan") as err:
        state_plans(
            engine, ((PLANNED, "phone/loud/7d"), ("Nobody:zakelijk", "phone/neutral/7d")), AT
        )
    said = str(err.value)
    assert "phone/loud/7d" in said
    assert "Nobody:zakelijk" in said
    with Session(engine) as session:  # nothing written
        assert all(s.plan is None for s in session.exec(select(Segment)))
    state_plans(engine, ((PLANNED, "phone/neutral/7d"),), AT)
    with Session(engine) as session:
        stated = [(s.name, s.plan) for s in session.exec(select(Segment)) if s.plan]
        audited = session.exec(
            select(DossierEvent.occurred_at).where(DossierEvent.kind == "segment_changed")
        ).all()
    assert stated == [("zakelijk", "phone/neutral/7d")]
    assert [a.replace(tzinfo=UTC) for a in audited] == [AT]  # once, on the ledger's clock
