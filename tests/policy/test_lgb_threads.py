"""One OpenMP thread for a small batch changes no prediction and no SHAP value, bit for bit."""

import lightgbm as lgb
import numpy as np

from policy.lgb_threads import SMALL_BATCH, threads


def test_small_batches_use_one_thread_large_ones_the_default() -> None:
    assert threads(1) == {"num_threads": 1}
    assert threads(SMALL_BATCH - 1) == {"num_threads": 1}
    assert threads(SMALL_BATCH) == {}


def test_one_thread_scores_and_explains_exactly_as_two() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 6))
    y = x[:, 0] * 2 + np.sin(x[:, 1]) + rng.normal(0, 0.1, 600)
    params = {"objective": "regression", "num_leaves": 15, "verbose": -1, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(x, y), 40)
    rows = x[:3]
    for contrib in (False, True):
        one = booster.predict(rows, pred_contrib=contrib, **threads(len(rows)))
        two = booster.predict(rows, pred_contrib=contrib, num_threads=2)
        assert np.array_equal(one, two)
