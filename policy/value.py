"""What an action is worth: the value the policy maximises.

``value(a) = open amount × P(pay within horizon | x, a) × time discount − cost weight × cost(a)
− harm weight × P(complaint | x, a)``, in cents. The time discount counts the days until the action
goes out (a later send pays later). Weights are per creditor (:class:`ValueWeights`); this module
never looks at a model or a rule, it only does the arithmetic.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class ValueWeights:
    harm_cents: int = 5_000  # what one complaint costs the relationship, in cents
    annual_discount: float = 0.10  # the creditor's cost of money
    horizon_days: int = 14  # P(pay) is the chance of payment within this many days
    cost_weight: float = 1.0  # > 1: the creditor values a euro of contact cost above a euro paid


def discount(days_until_send: NDArray[np.float64], weights: ValueWeights) -> NDArray[np.float64]:
    days = np.clip(days_until_send, 0, None) + weights.horizon_days / 2
    return np.asarray((1 + weights.annual_discount) ** (-days / 365.0), dtype=np.float64)


def action_values(
    *,
    open_cents: NDArray[np.float64],
    p_pay: NDArray[np.float64],
    p_complaint: NDArray[np.float64],
    cost_cents: NDArray[np.float64],
    days_until_send: NDArray[np.float64],
    weights: ValueWeights,
) -> NDArray[np.float64]:
    """Expected value in cents of each candidate (all arrays the same length)."""
    gain = open_cents * p_pay * discount(days_until_send, weights)
    cost = weights.cost_weight * cost_cents
    return np.asarray(gain - cost - weights.harm_cents * p_complaint, dtype=np.float64)
