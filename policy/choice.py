"""Choosing among scored candidates with a little exploration, and the propensity of the choice.

Exploration keeps the logged data informative: every allowed action keeps a known, non-zero chance,
so later training and off-policy evaluation are unbiased. ε-greedy gives the best action
``1 − ε + ε/K`` and every other ``ε/K``; softmax gives ``exp(value/T)`` normalised. The returned
propensity is the probability with which the chosen action was drawn, to be logged with it.
"""

import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Exploration:
    kind: Literal["epsilon", "softmax", "greedy"] = "epsilon"
    epsilon: float = 0.1
    temperature_cents: float = 500.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")
        if self.temperature_cents <= 0:
            raise ValueError("temperature_cents must be positive")


def probabilities(values: NDArray[np.float64], exploration: Exploration) -> NDArray[np.float64]:
    """The policy's distribution over one debtor's candidates (ties: the first best wins)."""
    k = len(values)
    if k == 0:
        raise ValueError("no candidates to choose from")
    best = int(np.argmax(values))
    if exploration.kind == "softmax":
        z = (values - values[best]) / exploration.temperature_cents
        p = np.exp(z)
        return np.asarray(p / p.sum(), dtype=np.float64)
    eps = 0.0 if exploration.kind == "greedy" else exploration.epsilon
    p = np.full(k, eps / k)
    p[best] += 1.0 - eps
    return p


def group_bounds(groups: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Where each run of equal labels in ``groups`` starts and ends (end exclusive); with
    ``np.concatenate``, as ``np.r_`` costs several microseconds per call in its indexing machinery
    (a single-debtor answer groups twice)."""
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    ends = np.concatenate((starts[1:], [len(groups)])).astype(np.intp)
    return starts, ends


def grouped_probabilities(
    values: NDArray[np.float64], groups: NDArray[np.int64], exploration: Exploration
) -> NDArray[np.float64]:
    """Probabilities for many debtors at once; ``groups`` labels each candidate's debtor and must
    be sorted (candidates of one debtor next to each other)."""
    out = np.empty_like(values, dtype=np.float64)
    for s, e in zip(*group_bounds(groups), strict=True):
        out[s:e] = probabilities(values[s:e], exploration)
    return out


def draw(p: NDArray[np.float64], rng: np.random.Generator) -> tuple[int, float]:
    """Draw one index from ``p``; return it and its propensity."""
    i = int(rng.choice(len(p), p=p))
    return i, float(p[i])


def draw_at(p: NDArray[np.float64], u: float) -> tuple[int, float]:
    """The index the uniform number ``u`` in [0, 1) picks from ``p`` (the inverse CDF, as numpy's
    ``Generator.choice`` maps its own uniform draw), and its propensity."""
    cdf = np.cumsum(p)
    i = min(int(np.searchsorted(cdf / cdf[-1], u, side="right")), len(p) - 1)
    return i, float(p[i])


def keyed_uniform(*key: object) -> float:
    """A uniform number in [0, 1) fixed by ``key`` (a hash, not a stream).

    Drawing with it per (debtor, day, model) makes asking the same question twice give the same
    answer, whichever worker or batch it lands in. With a stream, a re-run cycle re-drew for every
    debtor that had been told to wait, so the real chance of a contact exceeded the propensity
    logged with it, and off-policy estimates built on those propensities were biased."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
