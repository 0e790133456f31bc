"""The reward of one logged decision, in the policy's own terms (:mod:`policy.value`): what the
debtor paid within the horizon, minus the contact's cost (weighted), minus the complaint harm when
a complaint followed. Off-policy estimates on a creditor's own log (the web app's Models page)
score decisions with it, so they weigh money, cost and complaints as the policy does."""

from policy.value import ValueWeights

WEIGHTS = ValueWeights()
HORIZON_DAYS = WEIGHTS.horizon_days


def reward(paid_cents: float, cost_cents: float, complained: bool) -> float:
    return paid_cents - WEIGHTS.cost_weight * cost_cents - WEIGHTS.harm_cents * complained
