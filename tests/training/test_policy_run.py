"""The dynamic flow's training run: honest labels, the MLflow run and its artifacts, the registry,
the pyfunc, the gate's verdict in the run, a forced promotion, and a second run that meets the
champion."""

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from sqlmodel import SQLModel
from typer.testing import CliRunner

from dunflow.cli import app
from features import load_frames
from ledger.db import make_engine
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger
from training.policy_data import decision_table, payments_frame, read_decisions
from training.policy_promote import promote_version
from training.policy_run import MODEL_NAME, PolicyRunConfig, train_policy

# its tests share a module-scoped fixture: one worker builds it once
pytestmark = pytest.mark.xdist_group("policy-run")


@pytest.fixture(scope="module")
def sim_ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("sim")
    url = f"sqlite:///{folder / 'ledger.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    simulate_to_ledger(engine, 21, SimConfig(n_debtors=250, days=150), folder / "truth.parquet")
    engine.dispose()
    return url


def test_labels_count_what_was_paid_within_the_horizon(sim_ledger: str) -> None:
    engine = make_engine(sim_ledger)
    frames, log, payments = load_frames(engine), read_decisions(engine), payments_frame(engine)
    table = decision_table(frames, log, payments, horizon=14)
    assert len(table) > 1000
    assert (table["channel"] == "none").any()  # waits are decisions too
    assert table["propensity"].between(0, 1, inclusive="right").all()
    rng = np.random.default_rng(0)
    for i in rng.choice(len(table), 40, replace=False):
        row = table.iloc[i]
        mine = payments[payments["debtor_id"] == row["debtor_id"]]
        window = (mine["day"] >= row["day"]) & (mine["day"] < row["day"] + pd.Timedelta(days=14))
        expected = min(mine.loc[window, "amount_cents"].sum(), row["at_stake_cents"])
        assert row["paid_cents"] == pytest.approx(expected)
    # the horizon of every row closed inside the data
    assert table["day"].max() + pd.Timedelta(days=14) <= frames.invoices["issue_ts"].max()
    engine.dispose()


GATE_CHECKS = {
    "pay_auc_vs_logistic",
    "pay_logloss_vs_logistic",
    "pay_logloss_vs_prior",
    "complaint_logloss_vs_prior",
    "ope_lower_bound_vs_logging",
    "replay_vs_segment-fixed",
    "limits_held",
}


@pytest.mark.slow
def test_train_register_gate_and_models_list(sim_ledger: str, mlflow_tmp: Path) -> None:
    engine = make_engine(sim_ledger)
    # the report's replay needs 60 days (a 30-day collected share); the gate's world is smaller
    cfg = PolicyRunConfig(replay_debtors=30, replay_days=60, replay_seed=77,
                          gate_family="default-validation", gate_worlds=1, gate_debtors=30,
                          gate_days=40)  # fmt: skip
    first = train_policy(engine, cfg)
    verdict = first["gate"]
    assert {c["name"] for c in verdict["checks"]} == GATE_CHECKS
    assert first["decision"] == ("promoted" if verdict["decision"] == "pass" else "not promoted")
    assert first["reason"]
    assert set(first["replay"]["policies"]) == {"candidate", "ladder", "random", "oracle"}
    assert first["holdout"]["n_test"] > 100
    assert set(first["off_policy"]["candidate"]["estimates_cents"]) == {"ips", "snips", "dr"}
    client = MlflowClient()
    run_files = {a.path for a in client.list_artifacts(first["run_id"])}
    assert {"shap_summary.png", "calibration.png", "report.json", "gate.json"} <= run_files
    assert "action_mix_by_archetype.csv" in run_files
    model = mlflow.pyfunc.load_model(first["model_uri"])
    assert model.metadata.get_input_schema() is not None
    example = model.metadata.load_input_example(model.metadata.artifact_path or "")
    if example is None:
        example = pd.read_json(Path(mlflow.artifacts.download_artifacts(first["model_uri"]))
                               / "input_example.json", orient="split")  # fmt: skip
    out = model.predict(example)
    assert set(out.columns) == {"p_pay", "p_complaint", "value_cents"}
    assert out["p_pay"].between(0, 1).all()
    alias = dict(client.get_registered_model(MODEL_NAME).aliases or {})
    if first["decision"] == "promoted":
        assert alias["champion"] == first["version"]
    else:
        assert "champion" not in alias
        no_reason = CliRunner().invoke(app, ["models", "promote", "--version", "1", "--force"])
        assert no_reason.exit_code == 1
        assert "--reason" in no_reason.stderr
        why = "test: exercise the champion path"
        forced = promote_version(int(first["version"]), cfg.gate(), force_reason=why, by="cli:test")
        assert forced["decision"] == "forced"
        assert forced["verdict"]["forced"]["by"] == "cli:test"
        # the training run's hold-out and off-policy checks are carried, the replay ones re-run
        carried = {c["name"]: c for c in verdict["checks"] if "replay" not in c["name"]}
        again_checks = {c["name"]: c for c in forced["verdict"]["checks"]}
        assert set(again_checks) == GATE_CHECKS
        assert all(again_checks[n] == c for n, c in carried.items() if n != "limits_held")
        tags = client.get_model_version(MODEL_NAME, first["version"]).tags
        assert tags["gate"] == "forced"
        assert tags["gate_forced_reason"] == why
        assert "gate_promote.json" in {a.path for a in client.list_artifacts(first["run_id"])}
    from serving.reports.flow_effect import load_flow_effect

    effect = load_flow_effect(mlflow_tmp / "data" / "processed" / "flow_effect.json")
    assert effect is not None
    assert effect.policy["dso_days"] == first["replay"]["policies"]["candidate"]["dso_days"]
    again = CliRunner().invoke(app, ["models", "promote", "--version", first["version"]])
    assert again.exit_code == 1
    assert "already the champion" in again.stderr
    second = train_policy(engine, cfg)
    assert second["previous_champion"] == first["version"]
    assert "champion" in second["off_policy"]
    assert "champion" in second["replay"]["policies"]
    assert "replay_vs_champion" in {c["name"] for c in second["gate"]["checks"]}
    listed = CliRunner().invoke(app, ["models", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    versions = [r for r in json.loads(listed.stdout) if r["model"] == MODEL_NAME]
    assert len(versions) == 2
    assert all(r["gate"] in ("promoted", "not promoted", "forced") for r in versions)
    engine.dispose()


def test_cli_refuses_a_ledger_without_decisions(tmp_path: Path, mlflow_tmp: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    result = CliRunner().invoke(app, ["train", "policy", "--db", url])
    assert result.exit_code == 1
    assert "no logged decisions" in result.stderr
    bad = CliRunner().invoke(app, ["train", "policy", "--db", url, "--since", "yesterday"])
    assert bad.exit_code == 1
    assert "--since" in bad.stderr
