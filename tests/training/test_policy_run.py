"""The dynamic flow's training run: honest labels, the MLflow run and its artifacts, the registry,
the pyfunc, and a gate that compares with the champion."""

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
from training.policy_run import MODEL_NAME, PolicyRunConfig, _beats, train_policy


@pytest.fixture(scope="module")
def sim_ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("sim")
    url = f"sqlite:///{folder / 'ledger.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    simulate_to_ledger(engine, 21, SimConfig(n_debtors=400, days=240), folder / "truth.parquet")
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


def test_gate_needs_more_value_net_of_harm_and_no_worse_dso() -> None:
    base = {"net_value": 1000.0, "dso_days": 50.0, "complaints_per_1000_debtors": 10.0}
    calm = {"complaints_per_1000_debtors": 10.0}
    assert _beats({**calm, "net_value": 1001.0, "dso_days": 50.0}, base, 1000, 50.0)
    assert not _beats({**calm, "net_value": 1001.0, "dso_days": 50.5}, base, 1000, 50.0)
    assert not _beats({**calm, "net_value": 999.0, "dso_days": 40.0}, base, 1000, 50.0)
    # more money bought with complaints is not better when a complaint costs more than it brings
    noisy = {"net_value": 1040.0, "dso_days": 49.0, "complaints_per_1000_debtors": 11.0}
    assert not _beats(noisy, base, 1000, 50.0)
    assert _beats(noisy, base, 1000, 30.0)


@pytest.mark.slow
def test_train_register_gate_and_models_list(sim_ledger: str, mlflow_tmp: Path) -> None:
    engine = make_engine(sim_ledger)
    cfg = PolicyRunConfig(replay_debtors=120, replay_days=60, replay_seed=77)
    first = train_policy(engine, cfg)
    assert first["decision"] in ("promoted", "not promoted")
    assert first["reason"]
    assert set(first["replay"]["policies"]) == {"candidate", "ladder", "random", "oracle"}
    assert first["holdout"]["n_test"] > 100
    assert set(first["off_policy"]["candidate"]["estimates_cents"]) == {"ips", "snips", "dr"}
    client = MlflowClient()
    run_files = {a.path for a in client.list_artifacts(first["run_id"])}
    assert {"shap_summary.png", "calibration.png", "report.json"} <= run_files
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
        from serving.reports.flow_effect import load_flow_effect

        effect = load_flow_effect(Path(first["flow_effect_path"]))
        assert effect is not None
        assert effect.policy["dso_days"] == first["replay"]["policies"]["candidate"]["dso_days"]
        second = train_policy(engine, cfg)
        assert second["previous_champion"] == first["version"]
        assert "champion" in second["off_policy"]
        assert "champion" in second["replay"]["policies"]
    else:
        assert "champion" not in alias
    listed = CliRunner().invoke(app, ["models", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    versions = [r for r in json.loads(listed.stdout) if r["model"] == MODEL_NAME]
    assert versions
    assert all(r["gate"] in ("promoted", "not promoted") for r in versions)
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
