"""The plan model recovers which plan pays for which kind of debtor, part by part."""

import numpy as np
import pandas as pd
import pytest

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
