"""The plan-logging policy from registration to a trained plan model: ``dunflow train policy --kind
plan-logging`` refuses a ledger whose segments state no plan, registers it (no model) as the
champion the API's registry loader serves once one does; ``train policy --kind plan`` trains on a
ledger logged by it (its chooser in a simulated history), whose propensities are its own."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from dunflow.cli import app
from ledger import migrate
from ledger.db import make_engine
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_model import PlanModelParams
from serving.api.model_loader import RegistryLoader
from simulator.checkpoints import ARM_OF
from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.world import World
from simulator.world_file import default_world
from training.plan_learner import CHOSEN, log_history, targeted_logger
from training.plan_ledger import ledger_checkpoints, simulate_plan_ledger
from training.plan_logging_run import KIND, chosen_logging_policy
from training.plan_policy import PlanPolicy, uniform_chooser
from training.plan_run import MODEL_NAME, PlanRunConfig, train_plan_policy

EPS = 0.2


def test_a_ledger_logged_by_the_plan_logging_policy_trains_the_plan_learner(
    mlflow_tmp: Path,
) -> None:
    url = f"sqlite:///{mlflow_tmp / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    policy = chosen_logging_policy(EPS, ledger=False)  # its evidence reads the simulator's
    # per simulated segment (creditor x business/consumer) a stated plan, as the demo's creditors
    stated = np.resize([ARM_OF["phone/neutral/7d"], ARM_OF["email/neutral/14d"]], 32)
    sim = SimConfig(n_debtors=150, days=120, world=default_world())
    simulate_plan_ledger(engine, 3, sim, chooser=targeted_logger(policy, stated))
    data = ledger_checkpoints(engine)
    arm, prop = data.log.arm[0], data.log.propensity[0]
    own = np.isin(arm, stated[:2])
    assert own.mean() > 0.5  # mostly the segment's plan
    # every logged chance is the policy's: 1 - epsilon for the stated plan (reachable), else
    # epsilon or 1 over the number of neighbours the debtor could get
    floor = EPS / max(len(policy.neighbours(int(a))) for a in stated[:2])
    assert np.all(np.isclose(prop[own], 1 - EPS) | (prop[own] <= 1 / 2))
    assert prop.min() >= floor - 1e-12
    escalation = ARM_OF[str(policy.escalation)]  # the anchor after a broken promise
    anchors = {*stated[:2].tolist(), escalation}
    assert set(arm.tolist()) - anchors <= {k for a in anchors for k in policy.neighbours(a)}
    assert (arm == escalation).any()

    small = PlanModelParams(rounds=10, baseline_rounds=5)
    cfg = PlanRunConfig(learner=replace(CHOSEN, params=small), gate_worlds=0, referee=small)
    report = train_plan_policy(engine, cfg)
    assert report["checkpoints"] > 100
    assert report["decision"] == "not promoted"  # no world replayed: refused, as any candidate
    ope = next(c for c in report["gate"]["checks"] if c["name"] == "ope_lower_bound_vs_logging")
    assert ope["figures"]["effective_sample_size"] > 0
    engine.dispose()


def test_a_simulated_plan_logging_history_is_the_one_replay_logs() -> None:
    # the logger sees each day's outcomes (broken promises, complaints: its evidence and the plan
    # clock's second looks), as in replay: the ledger's history and replay's log are one
    cfg = SimConfig(n_debtors=150, days=90, world=default_world())
    replayed, r = log_history(default_world(), 3, 150, 90).frame()
    logger = PlanPolicy(World(3, cfg), uniform_chooser, "plan-logging", log=True)
    simulate_history(3, cfg, policy=logger)
    assert logger.log is not None
    written, w = logger.log.frame()
    pd.testing.assert_frame_equal(written, replayed)
    for name in ("debtor", "day", "arm", "propensity"):
        assert np.array_equal(w[name], r[name])


def test_the_cli_registers_the_plan_logging_policy_once_a_segment_states_a_plan(
    mlflow_tmp: Path,
) -> None:
    url = f"sqlite:///{mlflow_tmp / 'cli.db'}"
    run = CliRunner().invoke
    sim = run(app, ["simulate", "--debtors", "40", "--days", "30", "--db", url])
    assert sim.exit_code == 0, sim.stderr
    waiting = run(app, ["train", "policy", "--kind", "plan", "--segment-plan", "zakelijk=wait",
                        "--db", url])  # fmt: skip
    assert waiting.exit_code != 0  # a segment's plan is a plan of the grid, as on the page
    assert "unknown plan 'wait'" in waiting.stderr
    refused = run(app, ["train", "policy", "--kind", KIND, "--db", url])
    assert refused.exit_code != 0
    assert "no segment states a plan" in " ".join(refused.stderr.split())
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE segment SET plan = 'phone/neutral/7d' WHERE name = 'zakelijk'")
        )
    engine.dispose()
    made = run(app, ["train", "policy", "--kind", KIND, "--epsilon", "0.1", "--db", url])
    assert made.exit_code == 0, made.stderr
    assert "promoted: the plan-logging policy (epsilon 0.1)" in " ".join(made.stdout.split())
    client = MlflowClient()
    champion = client.get_model_version_by_alias(MODEL_NAME, "champion")
    assert champion.tags["kind"] == KIND
    loaded = RegistryLoader(
        MODEL_NAME, "champion", f"sqlite:///{mlflow_tmp / 'mlruns' / 'mlflow.db'}"
    ).load()
    policy = loaded.model
    assert isinstance(policy, PlanLoggingPolicy)
    assert policy.model is None
    assert (policy.epsilon, policy.extra) == (0.1, CHOSEN.extra_plans)
