"""A tiny learned policy for the API tests: two small LightGBM boosters trained on synthetic
candidate rows whose columns are exactly ``features.specs.FEATURES``.

The right answer is known by construction (late payers answer SMS, punctual ones e-mail, waiting
helps little), but the tests only rely on the mechanics: probabilities, SHAP, alternatives.
"""

from datetime import UTC, datetime

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.specs import FEATURES
from policy.choice import Exploration
from policy.decide import candidate_rows
from policy.model import OutcomeModels
from policy.pyfunc import DunningPolicy
from tests.factories import synthetic_base

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def train_models(seed: int = 0, n: int = 3000, rounds: int = 30) -> OutcomeModels:
    rng = np.random.default_rng(seed)
    base = synthetic_base(n, rng).set_index(pd.RangeIndex(n))
    channels = np.array(["none", "email", "sms", "letter", "phone", "robocall"])
    cands = pd.DataFrame(
        {
            "debtor_id": np.arange(n),
            "channel": rng.choice(channels, n),
            "tone": rng.choice(["neutral", "friendly", "firm"], n),
            "send_at": pd.Timestamp(NOW) + pd.to_timedelta(rng.integers(0, 96, n), unit="h"),
            "cost_cents": 0,
            "open_cents": 10_000,
        }
    )
    rows = candidate_rows(base, cands)
    names = [s.name for s in FEATURES]
    share_late = rows["hist_share_late"].to_numpy() if "hist_share_late" in rows else rng.random(n)
    late = share_late > 0.5
    ch = rows["cand_channel"].astype(str).to_numpy()
    p = np.full(n, 0.1)
    p = np.where(late & (ch == "sms"), 0.6, p)
    p = np.where(~late & (ch == "email"), 0.6, p)
    y = (rng.random(n) < p).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 8, "min_data_in_leaf": 20}
    pay = lgb.train(params, lgb.Dataset(rows[names], y), num_boost_round=rounds)
    complaint = lgb.train(
        params, lgb.Dataset(rows[names], (rng.random(n) < 0.05).astype(int)), num_boost_round=5
    )
    return OutcomeModels(pay=pay, complaint=complaint, feature_names=names)


def tiny_policy(seed: int = 0, epsilon: float = 0.1) -> DunningPolicy:
    return DunningPolicy(train_models(seed), exploration=Exploration("epsilon", epsilon=epsilon))
