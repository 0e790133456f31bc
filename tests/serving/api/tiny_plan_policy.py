"""A tiny plan champion for the API tests: a plan value model over the ledger's plan state
(``features.plan_state.PLAN_STATE_FEATURES``) trained in a second on synthetic checkpoints.

By construction late payers answer a phone plan and punctual ones an e-mail plan, waiting collects
least; the tests rely only on the mechanics (a plan per checkpoint, its propensity, the plan in
force between checkpoints, the explanation). With ``days_late`` the model reads the payment-time
model's column too (``EXPECTED_DAYS_LATE``), and the debtors it expects late answer a phone plan
instead; without it the model is one saved before that column existed."""

import numpy as np
import pandas as pd

from features.plan_state import CHECKPOINT_FEATURES, EXPECTED_DAYS_LATE
from policy.plan_choice import PlanObjective, TopK
from policy.plan_model import ARM_COLUMNS, COMPONENTS, PlanModelParams, PlanValueModel
from policy.plan_pyfunc import CHANNEL_NAMES, TONE_NAMES, PlanDunningPolicy
from tests.factories import synthetic_base

# weekly plans in every channel and tone, then waiting
ARMS = pd.DataFrame(
    [(c, t, 7, 0) for c in range(len(CHANNEL_NAMES)) for t in range(len(TONE_NAMES))]
    + [(-1, -1, 0, 1)],
    columns=list(ARM_COLUMNS),
)


def tiny_plan_policy(
    seed: int = 0, n: int = 2000, exploration: TopK | None = None, days_late: bool = False
) -> PlanDunningPolicy:
    rng = np.random.default_rng(seed)
    state = synthetic_base(n, rng)
    for name in CHECKPOINT_FEATURES:
        state[name] = rng.integers(0, 30, n).astype(float)
    features = tuple(c for c in state.columns if not c.startswith(("inv_", "cand_", "send_")))
    state = state[list(features)]
    late = state["hist_share_late"].to_numpy() > 0.5
    if days_late:
        expected = np.where(rng.random(n) < 0.2, np.nan, rng.exponential(10.0, n))
        state[EXPECTED_DAYS_LATE] = expected
        features = (*features, EXPECTED_DAYS_LATE)
        late = np.nan_to_num(expected) > 10.0
    arm = rng.integers(0, len(ARMS), n)
    channel = ARMS["plan_channel"].to_numpy()[arm]
    best = np.where(late, CHANNEL_NAMES.index("phone"), CHANNEL_NAMES.index("email"))
    share = np.where(channel == best, 0.6, np.where(channel < 0, 0.1, 0.3))
    collected = 400.0 * share + rng.normal(0, 10, n)
    cost = np.where(channel < 0, 0.0, 2.0)
    complaints = np.where(channel < 0, 0.0, 0.01)
    contacts = np.where(channel < 0, 0.0, 2.0)
    targets = np.column_stack([collected, cost, complaints, contacts])
    assert targets.shape[1] == len(COMPONENTS)
    categorical = tuple(c for c in features if isinstance(state[c].dtype, pd.CategoricalDtype))
    model = PlanValueModel(
        ARMS,
        features,
        categorical,
        PlanModelParams(rounds=15, baseline_rounds=5, min_data_in_leaf=10),
    )
    model.fit(state, arm, targets)
    return PlanDunningPolicy(
        model, PlanObjective(lam=500.0), exploration or TopK(0.3, 3), state_source="ledger"
    )
