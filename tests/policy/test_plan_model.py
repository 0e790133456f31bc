"""The plan model recovers which plan pays for which kind of debtor, part by part, and tells two
plans apart from the trees that split on a plan column alone."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from policy.booster_trees import trees_on
from policy.plan_model import ARM_COLUMNS, COMPONENTS, PlanModelParams, PlanValueModel

ARMS = pd.DataFrame([(0, 0, 7, 0), (1, 2, 14, 0), (-1, -1, 0, 1)], columns=list(ARM_COLUMNS))


def _data(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    state = pd.DataFrame({"segment": rng.integers(0, 2, n), "amount": rng.uniform(50, 500, n)})
    arm = rng.integers(0, 3, n)
    # segment 0 answers arm 0, segment 1 arm 1; waiting collects least and costs nothing
    share = np.where(arm == state["segment"].to_numpy(), 0.8, np.where(arm == 2, 0.2, 0.4))
    collected = state["amount"].to_numpy() * share + rng.normal(0, 5, n)
    cost = np.where(arm == 2, 0.0, np.where(arm == 0, 5.0, 1.5))
    complaints = np.where(arm == 1, 0.05, 0.01) * (arm != 2)
    contacts = np.where(arm == 2, 0.0, 3.0)
    return state, arm, np.column_stack([collected, cost, complaints, contacts])


def test_each_segment_gets_its_own_best_plan() -> None:
    rng = np.random.default_rng(0)
    state, arm, y = _data(3000, rng)
    model = PlanValueModel(
        ARMS, ("segment", "amount"), ("segment",), PlanModelParams(rounds=80, baseline_rounds=20)
    )
    model.fit(state, arm, y)
    test = pd.DataFrame({"segment": [0, 1], "amount": [300.0, 300.0]})
    parts = model.predict(test)
    assert parts.shape == (2, 3, len(COMPONENTS))
    assert np.argmax(parts[:, :, 0], axis=1).tolist() == [0, 1]
    assert parts[0, 2, 1] == pytest.approx(0.0, abs=0.5)  # waiting costs nothing
    shap = model.contributions(test.iloc[[0]], 0)
    assert set(shap) == set(COMPONENTS)
    assert shap["collected_eur"].sum() == pytest.approx(parts[0, 0, 0], rel=1e-6)


def test_missing_state_columns_are_named() -> None:
    model = PlanValueModel(ARMS, ("segment", "amount"), ("segment",))
    with pytest.raises(ValueError, match="amount"):
        model.design(pd.DataFrame({"segment": [0]}), np.array([0]))


def _splits_on(node: dict[str, Any], columns: set[int]) -> bool:
    if "split_feature" not in node:
        return False
    return node["split_feature"] in columns or any(
        _splits_on(node[side], columns) for side in ("left_child", "right_child")
    )


def test_the_arm_trees_tell_the_arms_apart_as_the_whole_model_does() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    state = pd.DataFrame({"segment": rng.integers(0, 2, n), "amount": rng.uniform(50, 500, n)})
    arm = rng.integers(0, 3, n)
    # the amount drives most of the target, the plan a little: many trees never look at it
    collected = 0.5 * state["amount"].to_numpy() + 20.0 * (arm == 0) + rng.normal(0, 20, n)
    y = np.column_stack([collected, *_data(n, rng)[2][:, 1:].T])
    # small trees, the plan booster learning the amount: many of them never split on the plan
    params = PlanModelParams(num_leaves=4, rounds=60, baseline_rounds=3)
    model = PlanValueModel(ARMS, ("segment", "amount"), ("segment",), params)
    model.fit(state, arm, y)
    booster = model.boosters["collected_eur"]
    arm_cols = {2, 3, 4, 5}
    on_arms = [_splits_on(t["tree_structure"], arm_cols) for t in booster.dump_model()["tree_info"]]
    kept = trees_on(booster, sorted(arm_cols))
    assert kept is not None
    assert 0 < kept.num_trees() == sum(on_arms) < booster.num_trees()
    assert trees_on(booster, [len(model.columns) + 3]) is None  # a column no tree reads
    rows = pd.DataFrame({"segment": [0, 1], "amount": [120.0, 430.0]})
    for j in range(2):
        full = model.contributions_of(rows.iloc[[j]], [0, 1, 2])
        part = model.contributions_of(rows.iloc[[j]], [0, 1, 2], apart=True)
        for c in COMPONENTS:
            for a, b in ((0, 1), (0, 2), (2, 1)):
                assert part[c][a] - part[c][b] == pytest.approx(full[c][a] - full[c][b], abs=1e-9)
