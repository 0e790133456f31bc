"""``dunflow train policy --kind plan`` end to end on a tiny simulated ledger: the plan decisions
written by the plan-logging history are read back, the plan model is trained, judged, logged and
registered as a pyfunc the API's registry loader serves; without replay worlds the gate refuses
and the champion alias does not move."""

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from mlflow.tracking import MlflowClient
from sqlalchemy import Engine

from features.plan_state import EXPECTED_DAYS_LATE
from ledger import migrate
from ledger.db import make_engine
from policy.plan_model import PlanModelParams
from policy.plan_pyfunc import PlanDunningPolicy
from serving.api.model_loader import RegistryLoader
from simulator.config import SimConfig
from simulator.world_file import default_world
from training.plan_days_late import FOLDS
from training.plan_learner import CHOSEN
from training.plan_ledger import ledger_checkpoints, simulate_plan_ledger
from training.plan_run import MODEL_NAME, PlanRunConfig, fit_plan, train_plan_policy
from training.plan_sim_ledger import anchors_only


def _plan_logged(folder: Path) -> tuple[Engine, dict[str, int]]:
    """A tiny ledger whose history the uniform plan-logging policy wrote (150 debtors, 120 days)."""
    url = f"sqlite:///{folder / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sim = SimConfig(n_debtors=150, days=120, world=default_world())
    return engine, simulate_plan_ledger(engine, 3, sim, arms=CHOSEN.logged_arms)


def test_a_plan_policy_is_trained_from_the_ledger_registered_and_loadable(
    mlflow_tmp: Path,
) -> None:
    engine, counts = _plan_logged(mlflow_tmp)
    data = ledger_checkpoints(engine)
    assert counts["recommendation"] == len(data.log.arm[0]) > 100  # every plan choice is read
    props = data.log.propensity[0]
    assert np.allclose(props, 1.0 / data.log.available[0].sum(axis=1))  # uniform, exact

    small = PlanModelParams(rounds=10, baseline_rounds=5)
    cfg = PlanRunConfig(learner=replace(CHOSEN, params=small), gate_worlds=0, referee=small)
    report = train_plan_policy(engine, cfg)
    assert report["decision"] == "not promoted"
    assert "replay_vs_segment-fixed" in report["gate"]["failed"]  # no world replayed: refused
    client = MlflowClient()
    version = client.get_model_version(MODEL_NAME, report["version"])
    assert version.tags["kind"] == "plan"
    assert version.tags["gate"] == "not promoted"
    with pytest.raises(Exception, match="champion"):
        client.get_model_version_by_alias(MODEL_NAME, "champion")
    gate = json.loads(
        Path(client.download_artifacts(report["run_id"], "gate.json", str(mlflow_tmp))).read_text()
    )
    assert [c["name"] for c in gate["checks"]][:5] == [
        "value_rmse_vs_linear",
        "value_rmse_vs_prior",
        "reward_rmse_vs_linear",  # CHOSEN's fitted-Q rounds: the first one's observed reward
        "reward_rmse_vs_prior",
        "ope_lower_bound_vs_logging",
    ]
    assert report["holdout"]["rounds"] == CHOSEN.iterations
    moves = report["moves"]  # what the held-out checkpoints say of the model's moves
    assert moves["held_out_checkpoints"] == report["holdout"]["n_test"]
    assert sum(k["checkpoints"] for k in moves["kinds"]) == moves["moved"]
    assert {k["segment"] for k in moves["kinds"]} <= set(report["segment_plans"])
    # anchored per segment, each the creditor's own: two creditors' "zakelijk" are two segments
    assert {"Groothandel Van Dijk B.V.:zakelijk", "Installatiebedrijf De Vries:zakelijk",
            "StreamWel Abonnementen:particulier"} <= set(report["segment_plans"])  # fmt: skip

    client.set_registered_model_alias(MODEL_NAME, "champion", report["version"])  # as if forced
    loader = RegistryLoader(
        MODEL_NAME, "champion", f"sqlite:///{mlflow_tmp / 'mlruns' / 'mlflow.db'}"
    )
    loaded = loader.load()
    assert loaded.version == f"{MODEL_NAME}/{report['version']}"
    policy = loaded.model
    assert isinstance(policy, PlanDunningPolicy)
    assert policy.state_source == "ledger"
    assert policy.model is not None
    # CHOSEN does not read the payment-time model's column (rejected on VALIDATION); a learner
    # configured to read it does
    assert EXPECTED_DAYS_LATE not in policy.model.state_features
    crossed = ledger_checkpoints(engine, days_late_folds=FOLDS)
    assert crossed.log.states[0][EXPECTED_DAYS_LATE].notna().any()
    reading = fit_plan(crossed, replace(cfg, learner=replace(cfg.learner, payment_time="issue")))
    assert reading.policy.model is not None
    assert reading.policy.model.state_features[-1] == EXPECTED_DAYS_LATE
    state = data.log.states[0].head(5)
    assert policy.segments_by_creditor
    keys = [f"{c}:{g}" for c, g in zip(state["creditor"], state["segment"], strict=True)]
    at = policy.segment_index(state)
    assert [policy.segment_names[i] if i >= 0 else None for i in at] == [  # type: ignore[index]
        k if k in (policy.segment_names or ()) else None for k in keys
    ]
    served = policy.predict(None, state)
    assert set(served["arm"]) <= set(policy.allowed_arms or ())
    # its anchors without the model, which the gate replays beside it: the anchor wherever allowed
    rule = anchors_only(policy)
    assert rule is not None
    anchor, _ = policy.anchors(state)
    allowed = (anchor >= 0) & policy.arm_mask()[np.maximum(anchor, 0)]
    assert allowed.any()
    assert (rule.predict(None, state)["arm"].to_numpy()[allowed] == anchor[allowed]).all()
    assert policy.margin_eur == CHOSEN.margin_eur  # the champion itself is left as it was
    # as `mlflow models serve` hands it over: JSON, no category dtype; the same answer
    posted = pd.read_json(io.StringIO(state.to_json(orient="split")), orient="split")
    assert not any(isinstance(t, pd.CategoricalDtype) for t in posted.dtypes)
    pd.testing.assert_frame_equal(policy.predict(None, posted), served)


def test_the_cli_writes_plan_decisions_and_trains_on_them(mlflow_tmp: Path) -> None:
    from typer.testing import CliRunner

    from dunflow.cli import app

    url = f"sqlite:///{mlflow_tmp / 'cli.db'}"
    run = CliRunner().invoke
    sim = run(app, ["simulate", "--logging", "plan", "--debtors", "80", "--days", "90",
                    "--db", url])  # fmt: skip
    assert sim.exit_code == 0, sim.stderr
    assert "plan decisions" in sim.stdout
    bad = run(app, ["train", "policy", "--kind", "weekly", "--db", url])
    assert bad.exit_code != 0
    assert "--kind" in bad.stderr
    bad = run(app, ["train", "policy", "--kind", "plan", "--segment-plan", "zakelijk=fax/7d",
                    "--db", url])  # fmt: skip
    assert bad.exit_code != 0
    assert "--segment-plan 'zakelijk=fax/7d': unknown plan" in bad.stderr
    # two creditors have a segment "zakelijk": whose must be said, and every wrong one is told
    bad = run(app, ["train", "policy", "--kind", "plan", "--gate-worlds", "0",
                    "--segment-plan", "zakelijk=phone/neutral/7d",
                    "--segment-plan", "Nobody B.V.:zakelijk=letter/firm/14d",
                    "--db", url])  # fmt: skip
    assert bad.exit_code != 0
    told = " ".join(bad.stderr.split())
    assert "Groothandel Van Dijk B.V., Installatiebedrijf De Vries each have a segment" in told
    assert "write CREDITOR:zakelijk=phone/neutral/7d" in told
    assert "Nobody B.V.:zakelijk=letter/firm/14d: no segment" in told
    out = run(app, ["train", "policy", "--kind", "plan", "--gate-worlds", "0", "--json",
                    "--segment-plan", "Groothandel Van Dijk B.V.:zakelijk=phone/neutral/7d",
                    "--segment-plan", "Installatiebedrijf De Vries:zakelijk=letter/firm/14d",
                    "--db", url])  # fmt: skip
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    plans = report["segment_plans"]
    assert plans["Groothandel Van Dijk B.V.:zakelijk"] == "phone/neutral/7d", plans
    told = run(app, ["train", "policy", "--kind", "plan", "--gate-worlds", "0", "--db", url])
    assert told.exit_code == 0, told.stderr
    moves = report["moves"]
    assert (f"moves off the anchors on {moves['held_out_checkpoints']} held-out checkpoints"
            in " ".join(told.stdout.split()))  # fmt: skip
    assert plans["Installatiebedrijf De Vries:zakelijk"] == "letter/firm/14d", plans
    # a segment's own plan (the web app's or `dunflow segment`'s) is the stated one; the command's
    # wins over it; one the learner does not have is refused, naming the segment
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE segment SET plan = :p WHERE name = 'zakelijk' AND creditor_id = "
            "(SELECT id FROM creditor WHERE name = 'Groothandel Van Dijk B.V.')"
        ), {"p": "email/firm/14d"})  # fmt: skip
    out = run(app, ["train", "policy", "--kind", "plan", "--gate-worlds", "0", "--json",
                    "--segment-plan", "Installatiebedrijf De Vries:zakelijk=letter/firm/14d",
                    "--db", url])  # fmt: skip
    assert out.exit_code == 0, out.stderr
    plans = json.loads(out.stdout)["segment_plans"]
    assert plans["Groothandel Van Dijk B.V.:zakelijk"] == "email/firm/14d", plans
    assert plans["Installatiebedrijf De Vries:zakelijk"] == "letter/firm/14d", plans
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE segment SET plan = 'email/firm/5d' WHERE name = 'zakelijk'"))
    bad = run(app, ["train", "policy", "--kind", "plan", "--gate-worlds", "0", "--db", url])
    assert bad.exit_code != 0
    told = " ".join(bad.stderr.split())
    assert "segment Groothandel Van Dijk B.V.:zakelijk: its plan 'email/firm/5d' is not" in told
    engine.dispose()
    assert report["kind"] == "plan"
    assert report["decision"] == "not promoted"


def test_the_report_reads_each_kind_of_move_off_the_anchors_on_the_held_out_log(
    tmp_path: Path,
) -> None:
    from training.plan_moves import SHOWN_Z, move_report

    engine, _ = _plan_logged(tmp_path)
    small = PlanModelParams(rounds=10, baseline_rounds=5)
    free = replace(CHOSEN, params=small, margin_eur=0.0, evidence=None)  # it moves freely
    fit = fit_plan(ledger_checkpoints(engine), PlanRunConfig(learner=free, referee=small))
    report = move_report(fit.policy, fit.t, fit.test, fit.policy.objective)
    assert report["moved"] > 10
    assert sum(k["checkpoints"] for k in report["kinds"]) == report["moved"]
    for kind in report["kinds"]:
        assert kind["anchor"] != kind["plan"]
        assert kind["segment"] in fit.segment_plans
        assert kind["anchor"] == fit.segment_plans[kind["segment"]]  # no evidence: the segment's
        se = kind["se_eur"]
        shown = se is not None and kind["gain_eur"] - SHOWN_Z * se > 0
        assert kind["shown_to_pay"] == shown
    engine.dispose()
