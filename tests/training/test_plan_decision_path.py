"""The plan learner decides through the one decision path: replay's chooser is
``policy.decision_path.decide_for``, and it makes the very choices the plan model and
``policy.plan_choice.choose`` make on the same draws; the pyfunc artifact reloads to the same
model."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import policy.decision_path as decision_path
from policy.plan_choice import Evidence, PlanObjective, TopK, choose
from policy.plan_model import PlanModelParams, PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.world_file import default_world
from training.plan_fit import fit_plan_model
from training.plan_learner import log_history
from training.plan_policy import decided_chooser

OBJ = PlanObjective(lam=500.0)
EXPLORE = TopK(0.4, 3)


@pytest.fixture(scope="module")
def fitted() -> tuple[PlanValueModel, object]:
    log = log_history(default_world(), 11, 120, 60)
    params = PlanModelParams(rounds=20, baseline_rounds=10, min_data_in_leaf=5)
    return fit_plan_model(log, OBJ, iterations=1, params=params), log


def test_the_replay_chooser_is_decide_for_and_chooses_as_the_model_does(
    fitted: tuple[PlanValueModel, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, log = fitted
    state, cols = log.frame()  # type: ignore[attr-defined]
    avail = cols["available"]
    calls = []
    real = decision_path.decide_for

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr("training.plan_policy.decide_for", spy)
    got = decided_chooser(model, OBJ, EXPLORE)(state, avail, np.random.default_rng(5))
    want = choose(OBJ.score(model.predict(state)), avail, np.random.default_rng(5), EXPLORE)
    assert calls == [len(state)]  # one batch through decide_for
    assert got.arm.tolist() == want.arm.tolist()
    assert got.propensity.tolist() == pytest.approx(want.propensity.tolist())
    assert got.greedy.tolist() == want.greedy.tolist()
    assert (got.arm != got.greedy).any()  # the draws explored: the comparison covers them
    assert avail[np.arange(len(state)), got.arm].all()


def test_the_pyfunc_artifact_reloads_to_the_same_plan_model(
    fitted: tuple[PlanValueModel, object], tmp_path: Path
) -> None:
    model, log = fitted
    state = log.states[0]  # type: ignore[attr-defined]
    policy = PlanDunningPolicy(
        model, OBJ, EXPLORE, allowed_arms=(0, 1, 2, 60), segment_defaults=(0, 60), margin_eur=5.0,
        evidence=Evidence("promises_broken", 1.0, 250.0),
    )  # fmt: skip
    again = PlanDunningPolicy.load(policy.save_artifacts(tmp_path / "plan"))
    assert again.model is not None
    np.testing.assert_allclose(again.model.predict(state), model.predict(state), rtol=1e-9)
    assert again.objective == OBJ
    assert again.exploration == EXPLORE
    assert (again.segment_defaults, again.margin_eur) == ((0, 60), 5.0)  # the anchoring too
    assert again.evidence == policy.evidence
    served = again.predict(None, state)
    assert set(served["arm"]) <= {0, 1, 2, 60}
    assert served["plan"].iloc[0] == again.arms[int(served["arm"].iloc[0])].label


def test_an_escalation_plan_per_segment_anchors_the_served_choice(
    fitted: tuple[PlanValueModel, object],
) -> None:
    model, log = fitted
    state = pd.concat(log.states[:5], ignore_index=True)  # type: ignore[attr-defined]
    n = len(state)
    state["segment"] = np.arange(n) % 2
    state["promises_broken"] = (np.arange(n) // 2) % 2
    # a margin no predicted gain clears: every row keeps its anchor
    policy = PlanDunningPolicy(
        model, OBJ, EXPLORE, segment_defaults=(0, 60), margin_eur=1e9,
        evidence=Evidence("promises_broken", 1.0, then=(1, -1)),
    )  # fmt: skip
    best = policy.scores(state, model.predict(state)).argmax(axis=1)
    escalated = (state["segment"] == 0) & (state["promises_broken"] >= 1)
    assert n >= 4
    assert best.tolist() == np.where(escalated, 1, np.where(state["segment"] == 0, 0, 60)).tolist()


def test_a_first_stage_plan_anchors_the_first_stage_only(
    fitted: tuple[PlanValueModel, object], tmp_path: Path
) -> None:
    model, log = fitted
    state = pd.concat(log.states[:5], ignore_index=True)  # type: ignore[attr-defined]
    state = pd.concat([state] * 2, ignore_index=True)  # every combination below
    n = len(state)
    state["segment"] = np.arange(n) % 2
    state["dpd"] = np.where((np.arange(n) // 2) % 2 == 0, 5, 20)  # first stage, then the second
    state["promises_broken"] = (np.arange(n) // 4) % 2
    state["prior_paid"] = (np.arange(n) // 8) % 2  # paid an earlier invoice, on time
    state["prior_mean_dpd"] = np.where(state["prior_paid"] > 0, 1.0, np.nan)
    # a margin no predicted gain clears: every row keeps its anchor; segment 1 has no first plan
    policy = PlanDunningPolicy(
        model, OBJ, EXPLORE, segment_defaults=(0, 60), margin_eur=1e9,
        evidence=Evidence("promises_broken", 1.0, then=2), first_stage_defaults=(1, -1),
        first_stage_unless=(("prior_paid", ">=", 1.0), ("prior_mean_dpd", "<=", 3.0)),
    )  # fmt: skip
    escalated = state["promises_broken"] >= 1
    early = (state["segment"] == 0) & (state["dpd"] < 14)
    first = early & (state["prior_paid"] == 0)
    want = np.where(escalated, 2, np.where(first, 1, np.where(state["segment"] == 0, 0, 60)))
    assert n >= 16
    assert first.any()
    assert (first & escalated).any()
    assert (early & ~first & ~escalated).any()  # on time before: the segment's plan
    assert policy.anchors(state)[0].tolist() == want.tolist()
    assert policy.scores(state, model.predict(state)).argmax(axis=1).tolist() == want.tolist()
    again = PlanDunningPolicy.load(policy.save_artifacts(tmp_path / "plan"))
    assert again.first_stage_defaults == (1, -1)
    assert again.first_stage_unless == policy.first_stage_unless
    with pytest.raises(ValueError, match="dpd"):
        policy.anchors(state.drop(columns="dpd"))
