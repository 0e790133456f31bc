"""The closed loop: logs pooled without mixing worlds' debtors; rounds that retrain, gate, deploy
the champion with its exploration, and report value and coverage."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy.plan_choice import Choice
from training.plan_policy import CheckpointLog
from training.policy_loop import LoopConfig, pool, run_loop


def _log(n_debtors: int, checkpoints: list[tuple[int, int]]) -> CheckpointLog:
    log = CheckpointLog(days=60)
    for debtor, day in checkpoints:
        d = np.array([debtor])
        one = Choice(np.array([0]), np.array([0.5]), np.array([0]), np.array([-1]))
        log.add(pd.DataFrame({"dpd": [day]}), d, day, one, np.ones((1, 3), bool), np.zeros((1, 4)))
    log.final_totals = np.arange(n_debtors * 4, dtype=float).reshape(n_debtors, 4)
    return log


def test_pooling_keeps_each_worlds_debtors_apart() -> None:
    a, b = _log(3, [(0, 5), (2, 9)]), _log(2, [(0, 7), (1, 8)])
    pooled = pool([a, b])
    _, cols = pooled.frame()
    assert cols["debtor"].tolist() == [0, 2, 3, 4]  # b's debtor 0 is debtor 3 of the pool
    assert np.array_equal(pooled.final_totals[3], b.final_totals[0])
    assert len(pooled.final_totals) == 5


def test_bad_loop_sizes_name_the_option() -> None:
    with pytest.raises(ValueError, match="--rounds"):
        LoopConfig(rounds=0)
    with pytest.raises(ValueError, match="--debtors"):
        LoopConfig(debtors=5)


@pytest.mark.slow
def test_a_small_loop_gates_each_round_and_deploys_a_promoted_champion(mlflow_tmp: Path) -> None:
    # reference "random": a bar the plan learner clears in a small world, so a champion is
    # promoted and deployed with exploration (segment-fixed is the default bar)
    cfg = LoopConfig(
        rounds=2, debtors=120, days=60, eval_worlds=1, eval_debtors=80, eval_days=60,
        reference="random",
    )  # fmt: skip
    report = run_loop(cfg)
    rounds = report["rounds"]
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert rounds[0]["deployed"] == "logging"
    assert rounds[2]["pooled_checkpoints"] > rounds[1]["pooled_checkpoints"] > 0
    for r in rounds[1:]:
        assert {c["name"] for c in r["gate"]["checks"]} >= {"replay_vs_random", "limits_held"}
        assert 0 < r["candidate_mean_share"] <= 1.0 + 1e-9
    first = rounds[1]
    if first["gate"]["decision"] == "pass":
        assert first["deployed"].startswith("champion of round 1")
        assert rounds[2]["champion_share_of_ceiling"] is not None
        # a greedy-leaning champion tries fewer plans than the uniform logger did
        assert first["coverage"]["entropy_bits"] < rounds[0]["coverage"]["entropy_bits"]
    else:
        assert first["deployed"] == "logging (no champion yet)"
    assert set(report["ceilings"]) == {"default-family101-00"}
    # recorded as the project names it, not as one checkout's absolute path
    assert report["config"]["world"] == "simulator/worlds/default.toml"


def test_cli_loop_names_the_bad_option() -> None:
    from typer.testing import CliRunner

    from dunflow.cli import app

    bad = (
        (["simulate", "loop", "--rounds", "0"], "--rounds"),
        (["simulate", "loop", "--reference", "oracle"], "--reference"),
    )
    for args, option in bad:
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 1, res.output
        assert option in res.stderr


def test_the_loop_deploys_the_learner_anchored_as_a_creditor_would() -> None:
    from simulator.cold_start import NEW_CREDITOR_PATH
    from training.plan_learner import CHOSEN
    from training.policy_loop import deployed_learner

    anchored = deployed_learner(LoopConfig())
    assert len(anchored.defaults) == 6  # one plan per creditor x B2B/B2C of the default world
    assert anchored.margin_eur == CHOSEN.margin_eur
    assert anchored.evidence == CHOSEN.evidence
    # a world of other creditors has no such plans: the model alone decides there
    other = deployed_learner(LoopConfig(world=NEW_CREDITOR_PATH))
    assert other.defaults == ()
    assert other.margin_eur is None
    assert anchored.arms.sum() < other.arms.sum()  # the segment plans, not every weekly plan
