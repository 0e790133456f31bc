"""Off-policy estimators: unbiased on a bandit whose truth we know, robust as promised, strict on
bad input, and close to the truth on the Open Bandit Dataset."""

from pathlib import Path

import numpy as np
import pytest

from training import ope
from training.open_bandit import run_check

N_ACTIONS = 5


def _bandit(n: int, seed: int) -> dict[str, np.ndarray | float]:
    """Contexts x ∈ [0,1]; click probability depends on x and the action; a softmax logger; a
    target that favours the best action. The target's true value is computed exactly."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    centers = np.linspace(0, 1, N_ACTIONS)
    p_click = 0.05 + 0.4 * np.exp(-((x[:, None] - centers[None, :]) ** 2) / 0.05)
    logits = -0.5 * np.arange(N_ACTIONS)[None, :] + np.zeros((n, 1))  # logger prefers action 0
    mu = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    best = p_click.argmax(axis=1)
    pi = np.full((n, N_ACTIONS), 0.05 / (N_ACTIONS - 1))
    pi[np.arange(n), best] = 0.95
    a = (rng.random(n)[:, None] > np.cumsum(mu, axis=1)).sum(axis=1)
    r = (rng.random(n) < p_click[np.arange(n), a]).astype(float)
    rows = np.arange(n)
    return {
        "rewards": r,
        "mu": mu[rows, a],
        "pi": pi[rows, a],
        "q_true_logged": p_click[rows, a],
        "q_true_target": (pi * p_click).sum(axis=1),
        "truth": float((pi * p_click).sum(axis=1).mean()),
        "logger_value": float((mu * p_click).sum(axis=1).mean()),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_estimators_recover_the_true_value(seed: int) -> None:
    b = _bandit(40_000, seed)
    truth = float(b["truth"])
    assert abs(truth - float(b["logger_value"])) > 0.1  # the policies really differ
    for est in ope.all_estimates(
        b["rewards"], b["mu"], b["pi"], b["q_true_logged"], b["q_true_target"]
    ).values():
        assert abs(est.value - truth) < 4 * est.stderr, (est.name, est.value, truth, est.stderr)
        assert est.stderr < 0.03


def test_doubly_robust_survives_a_wrong_reward_model_and_gains_from_a_good_one() -> None:
    b = _bandit(40_000, 7)
    truth = float(b["truth"])
    wrong = np.full_like(b["rewards"], 0.9)
    dr_wrong = ope.doubly_robust(b["rewards"], b["mu"], b["pi"], wrong, wrong)
    assert abs(dr_wrong.value - truth) < 4 * dr_wrong.stderr
    dr_good = ope.doubly_robust(
        b["rewards"], b["mu"], b["pi"], b["q_true_logged"], b["q_true_target"]
    )
    assert dr_good.stderr < ope.ips(b["rewards"], b["mu"], b["pi"]).stderr


def test_naive_average_would_be_caught() -> None:
    """The logged mean is the logger's value, not the target's: the estimators must move away."""
    b = _bandit(40_000, 11)
    naive = float(np.mean(b["rewards"]))
    est = ope.snips(b["rewards"], b["mu"], b["pi"])
    assert abs(naive - float(b["truth"])) > 10 * est.stderr
    assert abs(est.value - float(b["truth"])) < abs(naive - float(b["truth"]))


def test_clipping_bounds_the_weights() -> None:
    w = ope.importance_weights([0.01, 0.5], [1.0, 0.5], clip=10.0)
    assert w.tolist() == [10.0, 1.0]


@pytest.mark.parametrize(
    ("mu", "pi", "message"),
    [
        ([0.0, 0.5], [0.5, 0.5], "logging propensities"),
        ([1.5, 0.5], [0.5, 0.5], "logging propensities"),
        ([0.5, 0.5], [1.2, 0.5], "target probabilities"),
        ([0.5, float("nan")], [0.5, 0.5], "finite"),
        ([0.5], [0.5, 0.5], "same length"),
    ],
)
def test_bad_input_is_refused(mu: list[float], pi: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ope.ips([1.0, 0.0][: len(mu)], mu, pi)


def test_empty_log_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        ope.snips([], [], [])


@pytest.mark.realdata
def test_open_bandit_thompson_sampling_estimated_from_the_random_log(real_data: Path) -> None:
    check = run_check(real_data / "open_bandit_men")
    truth, truth_se = check.on_policy_mean, check.on_policy_stderr
    for est in check.estimates.values():
        # consistent with the on-policy truth at 95 % given both sampling errors
        assert abs(est.value - truth) < ope.Z95 * np.hypot(est.stderr, truth_se), est
        # and closer to it than the logging policy's own click rate: the correction works
        assert abs(est.value - truth) < abs(check.logging_policy_mean - truth), est
