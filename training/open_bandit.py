"""The Open Bandit check: do our off-policy estimators recover a policy's known click rate?

ZOZOTOWN's "men" campaign logged 10,000 impressions under a uniform-random policy and 10,000 under
Bernoulli Thompson sampling (BTS). We estimate the BTS click rate from the *random* log alone and
compare it with the on-policy mean click of the BTS log.

Target probabilities: BTS is context-free, so π(item | position) is estimated by the item
frequencies per position in the BTS log (those use actions only, never clicks). The DR reward model
is a per-(item, position) click rate shrunk toward the position's rate, cross-fitted over K folds
of the random log so no row is corrected by a model that saw it.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from training.ope import Estimate, all_estimates

PRIOR_STRENGTH = 50.0  # pseudo-impressions pulling a rare item's click rate to its position's


@dataclass(frozen=True)
class OpenBanditCheck:
    estimates: dict[str, Estimate]
    on_policy_mean: float
    on_policy_stderr: float
    logging_policy_mean: float
    n_logged: int
    n_target: int

    def as_dict(self) -> dict[str, object]:
        return {
            "estimates": {k: v.as_dict() for k, v in self.estimates.items()},
            "on_policy_mean": self.on_policy_mean,
            "on_policy_stderr": self.on_policy_stderr,
            "logging_policy_mean": self.logging_policy_mean,
            "n_logged": self.n_logged,
            "n_target": self.n_target,
        }


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, usecols=["item_id", "position", "click", "propensity_score"])
    missing = {"item_id", "position", "click", "propensity_score"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame


def _target_probs(target_log: pd.DataFrame, items: pd.Series, positions: pd.Series) -> np.ndarray:
    counts = target_log.groupby(["position", "item_id"]).size()
    freq = counts / counts.groupby(level="position").transform("sum")
    keys = pd.MultiIndex.from_arrays([positions, items], names=["position", "item_id"])
    return freq.reindex(keys).fillna(0.0).to_numpy()


def _reward_model(train: pd.DataFrame, n_items: int) -> pd.DataFrame:
    """Smoothed click rate per (position, item) as a position × item table."""
    pos_rate = train.groupby("position")["click"].mean()
    stats = train.groupby(["position", "item_id"])["click"].agg(["sum", "count"])
    grid = pd.MultiIndex.from_product(
        [sorted(pos_rate.index), range(n_items)], names=["position", "item_id"]
    )
    stats = stats.reindex(grid, fill_value=0)
    prior = pos_rate.reindex(stats.index.get_level_values("position")).to_numpy()
    rate = (stats["sum"].to_numpy() + PRIOR_STRENGTH * prior) / (
        stats["count"].to_numpy() + PRIOR_STRENGTH
    )
    return pd.Series(rate, index=grid).unstack("item_id")


def run_check(folder: Path, *, folds: int = 5, seed: int = 0) -> OpenBanditCheck:
    logged = _read(folder / "random_men.csv")
    target = _read(folder / "bts_men.csv")
    n_items = int(max(logged["item_id"].max(), target["item_id"].max())) + 1
    pi_logged = _target_probs(target, logged["item_id"], logged["position"])

    # π(item | position) for every item, to take the reward model's expectation under BTS
    counts = target.groupby(["position", "item_id"]).size().unstack("item_id", fill_value=0)
    counts = counts.reindex(columns=range(n_items), fill_value=0)
    pi_table = counts.div(counts.sum(axis=1), axis=0)

    fold = np.random.default_rng(seed).integers(0, folds, len(logged))
    q_logged = np.empty(len(logged))
    q_target = np.empty(len(logged))
    for k in range(folds):
        held = fold == k
        model = _reward_model(logged[~held], n_items)
        rows = logged[held]
        q_logged[held] = model.to_numpy()[
            model.index.get_indexer(rows["position"]), rows["item_id"].to_numpy()
        ]
        expected = (model * pi_table.reindex(model.index)).sum(axis=1)
        q_target[held] = expected.reindex(rows["position"]).to_numpy()

    estimates = all_estimates(
        logged["click"].to_numpy(),
        logged["propensity_score"].to_numpy(),
        pi_logged,
        q_logged,
        q_target,
    )
    clicks = target["click"].to_numpy(dtype=float)
    return OpenBanditCheck(
        estimates=estimates,
        on_policy_mean=float(clicks.mean()),
        on_policy_stderr=float(clicks.std(ddof=1) / np.sqrt(len(clicks))),
        logging_policy_mean=float(logged["click"].mean()),
        n_logged=len(logged),
        n_target=len(target),
    )
