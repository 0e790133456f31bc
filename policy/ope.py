"""Off-policy estimators: what a target policy would have earned, judged from another policy's log.

Plain functions over arrays, so the same code scores the learned dunning policy on logged contacts
and the Open Bandit benchmark. Inputs, one entry per logged decision i:

- ``rewards[i]``: the reward observed after the logged action a_i;
- ``logging_propensities[i]``: μ(a_i | x_i), the probability with which the logging policy chose a_i
  (must be > 0: an action the logger never takes cannot be evaluated);
- ``target_probs[i]``: π(a_i | x_i), the probability the target policy gives the same action;
- for doubly robust, ``q_logged[i]`` = q̂(x_i, a_i) and ``q_target[i]`` = Σ_a π(a | x_i) q̂(x_i, a)
  from a reward model fitted on other data (cross-fitting), never on the rows it corrects.

Each estimator returns an :class:`Estimate` with a standard error from the per-row terms (the
estimators are means of independent terms; SNIPS uses the delta method) and the effective sample
size of the importance weights, which says how far the target strays from the logger.
"""

from dataclasses import asdict, dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    name: str
    value: float
    stderr: float
    n: int
    effective_sample_size: float

    @property
    def ci95(self) -> tuple[float, float]:
        return (self.value - Z95 * self.stderr, self.value + Z95 * self.stderr)

    def as_dict(self) -> dict[str, float | int | str | list[float]]:
        out: dict[str, float | int | str | list[float]] = dict(asdict(self))
        out["ci95"] = list(self.ci95)
        return out


def _arrays(*values: ArrayLike) -> list[NDArray[np.float64]]:
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    n = arrays[0].shape
    for a in arrays:
        if a.ndim != 1 or a.shape != n:
            raise ValueError("all inputs must be one-dimensional arrays of the same length")
        if not np.all(np.isfinite(a)):
            raise ValueError("inputs must be finite")
    if n[0] == 0:
        raise ValueError("cannot estimate from an empty log")
    return arrays


def importance_weights(
    logging_propensities: ArrayLike, target_probs: ArrayLike, *, clip: float | None = None
) -> NDArray[np.float64]:
    mu, pi = _arrays(logging_propensities, target_probs)
    if np.any(mu <= 0) or np.any(mu > 1):
        raise ValueError("logging propensities must lie in (0, 1]")
    if np.any(pi < 0) or np.any(pi > 1):
        raise ValueError("target probabilities must lie in [0, 1]")
    w = pi / mu
    return np.minimum(w, clip) if clip is not None else w


def _ess(w: NDArray[np.float64]) -> float:
    total = float(np.sum(w))
    squares = float(np.sum(w * w))
    return total * total / squares if squares > 0 else 0.0


def _mean_estimate(name: str, terms: NDArray[np.float64], w: NDArray[np.float64]) -> Estimate:
    n = len(terms)
    stderr = float(np.std(terms, ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return Estimate(name, float(np.mean(terms)), stderr, n, _ess(w))


def ips(
    rewards: ArrayLike,
    logging_propensities: ArrayLike,
    target_probs: ArrayLike,
    *,
    clip: float | None = None,
) -> Estimate:
    """Inverse propensity scoring: mean of w_i · r_i. Unbiased without clipping; high variance."""
    (r,) = _arrays(rewards)
    w = importance_weights(logging_propensities, target_probs, clip=clip)
    if len(w) != len(r):
        raise ValueError("rewards and propensities differ in length")
    return _mean_estimate("ips", w * r, w)


def snips(rewards: ArrayLike, logging_propensities: ArrayLike, target_probs: ArrayLike) -> Estimate:
    """Self-normalised IPS: Σ w_i r_i / Σ w_i. Slightly biased, far steadier than IPS."""
    (r,) = _arrays(rewards)
    w = importance_weights(logging_propensities, target_probs)
    if len(w) != len(r):
        raise ValueError("rewards and propensities differ in length")
    total = float(np.sum(w))
    if total <= 0:
        raise ValueError("the target policy never takes a logged action: SNIPS is undefined")
    value = float(np.sum(w * r) / total)
    n = len(r)
    # delta method: Var ≈ Σ w_i² (r_i − v)² / (Σ w_i)²
    stderr = float(np.sqrt(np.sum((w * (r - value)) ** 2)) / total) if n > 1 else float("inf")
    return Estimate("snips", value, stderr, n, _ess(w))


def doubly_robust(
    rewards: ArrayLike,
    logging_propensities: ArrayLike,
    target_probs: ArrayLike,
    q_logged: ArrayLike,
    q_target: ArrayLike,
    *,
    clip: float | None = None,
) -> Estimate:
    """Doubly robust: the reward model's value of π plus the IPS-weighted residuals.

    Unbiased when either the propensities or the reward model are right; lower variance than IPS
    when the model is good.
    """
    logged = (rewards, logging_propensities, target_probs, q_logged, q_target)
    _, terms, w = _dr_terms(*logged, clip=clip)
    return _mean_estimate("dr", terms, w)


def _dr_terms(
    *logged: ArrayLike, clip: float | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The rewards, doubly robust's per-decision terms and the importance weights (``logged``:
    rewards, logging propensities, target probabilities, q̂ logged, q̂ target)."""
    rewards, logging_propensities, target_probs, q_logged, q_target = logged
    r, q_a, q_pi = _arrays(rewards, q_logged, q_target)
    w = importance_weights(logging_propensities, target_probs, clip=clip)
    if len(w) != len(r):
        raise ValueError("rewards and propensities differ in length")
    return r, q_pi + w * (r - q_a), w


def all_estimates(
    rewards: ArrayLike,
    logging_propensities: ArrayLike,
    target_probs: ArrayLike,
    q_logged: ArrayLike | None = None,
    q_target: ArrayLike | None = None,
) -> dict[str, Estimate]:
    out = {
        "ips": ips(rewards, logging_propensities, target_probs),
        "snips": snips(rewards, logging_propensities, target_probs),
    }
    if q_logged is not None and q_target is not None:
        out["dr"] = doubly_robust(rewards, logging_propensities, target_probs, q_logged, q_target)
    return out


def on_policy(rewards: ArrayLike) -> Estimate:
    """The logging policy's own value: the mean reward, every weight 1."""
    (r,) = _arrays(rewards)
    return _mean_estimate("on_policy", r, np.ones_like(r))


def gain_over(*logged: ArrayLike) -> Estimate:
    """What the logging policy earned beyond the target, per decision: :func:`gain_of` (same
    arguments) the other way round; its interval is the paired difference's."""
    gain = gain_of(*logged)
    return replace(gain, value=-gain.value)


def gain_of(
    rewards: ArrayLike,
    logging_propensities: ArrayLike,
    target_probs: ArrayLike,
    q_logged: ArrayLike,
    q_target: ArrayLike,
) -> Estimate:
    """What the target would earn beyond the logging policy, per decision: its doubly-robust term
    minus the reward logged, paired per decision. Each term is (q̂ of the target − q̂ of the
    logged action) + (w − 1) x the logged action's residual, so the raw reward's spread, which an
    interval of the target's value alone carries, cancels; with a logger that mostly takes what
    the target takes (w near 1) the interval is that of the reward model's difference."""
    r, terms, w = _dr_terms(rewards, logging_propensities, target_probs, q_logged, q_target)
    return _mean_estimate("dr_gain", terms - r, w)
