"""Off-policy evaluation of a learned policy on the held-out part of the decision log.

For every logged decision the candidate set is rebuilt from what the ledger knows: waiting, plus
each reachable channel (e-mail address, phone, postal address) × tone × send slot inside the
creditor's hours. The target policy's probabilities over that set come from its own value and
exploration rule; the logged action's probability under it, the logged propensity and the
realised reward (amount paid within the horizon − cost weight × contact cost − harm ×
complaint, the policy's own weights) feed the IPS,
SNIPS and doubly-robust estimators. DR's reward model is the target's own outcome models, which
were fitted on earlier decisions only. A logged action missing from the rebuilt set (its hour or
channel not inferable) gets probability 0 and is counted in ``unmatched``.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from policy import choice
from policy.decide import candidate_rows
from policy.model import OutcomeModels
from policy.pyfunc import DunningPolicy
from policy.value import ValueWeights, action_values
from training.ope import Estimate, all_estimates, gain_of

SLOTS = (9, 13, 18)  # the send slots of the logged action space
REACH = {"email": "reach_email", "sms": "reach_phone", "phone": "reach_phone",
         "robocall": "reach_phone", "letter": "reach_letter"}  # fmt: skip
TONES = ("friendly", "neutral", "firm")


@dataclass(frozen=True)
class OpeReport:
    estimates: dict[str, Estimate]
    logging_value: float  # on-policy mean reward of what was logged, cents per decision
    n: int
    unmatched: int
    gain: Estimate  # DR's gain over the logging policy, paired per decision (cents)

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimates_cents": {k: v.as_dict() for k, v in self.estimates.items()},
            "logging_value_cents": self.logging_value,
            "n": self.n,
            "unmatched": self.unmatched,
            "gain_cents": self.gain.as_dict(),
        }


def rewards(test: pd.DataFrame, harm_cents: float, cost_weight: float = 1.0) -> np.ndarray:
    r = test["paid_cents"] - cost_weight * test["cost_cents"] - harm_cents * test["complaint"]
    return np.asarray(r, dtype=float)


def _candidates(
    test: pd.DataFrame, windows: dict[int, tuple[int, int]], costs: dict[int, dict[str, int]]
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    reach = {c: test[col].to_numpy(dtype=bool) for c, col in REACH.items()}
    days = pd.to_datetime(test["day"], utc=True).tolist()
    creditors = test["creditor_id"].astype("int64").tolist()
    for i, (day, creditor) in enumerate(zip(days, creditors, strict=True)):
        rows.append(
            {"key": i, "channel": "none", "tone": "none", "send_at": day, "hour": -1,
             "cost_cents": 0}
        )  # fmt: skip
        start, end = windows.get(creditor, (7 * 60, 20 * 60))
        unit = costs.get(creditor, {})
        local_midnight = day.tz_convert("Europe/Amsterdam").normalize()
        for channel in REACH:
            if not reach[channel][i] or channel not in unit:
                continue
            for hour in SLOTS:
                if not start <= hour * 60 < end:
                    continue
                at = (local_midnight + pd.Timedelta(hours=hour)).tz_convert("UTC")
                for tone in TONES:
                    rows.append(
                        {"key": i, "channel": channel, "tone": tone, "send_at": at,
                         "hour": hour, "cost_cents": unit[channel]}
                    )  # fmt: skip
    return pd.DataFrame(rows)


def evaluate_policy(
    policy: DunningPolicy,
    test: pd.DataFrame,
    *,
    windows: dict[int, tuple[int, int]],
    costs: dict[int, dict[str, int]],
    reward_weights: ValueWeights | None = None,
    reward_models: OutcomeModels | None = None,
) -> OpeReport:
    """IPS / SNIPS / DR estimates of ``policy``'s mean reward per decision on ``test``; the reward
    uses ``reward_weights`` (default: the policy's own), so two policies compare on one scale.
    DR's reward model is ``reward_models`` (default: the policy's own; a gate passes its own, so
    a candidate cannot vouch for itself)."""
    if policy.models is None:
        raise ValueError("policy has no models")
    test = test.reset_index(drop=True)
    cands = _candidates(test, windows, costs)
    base = test.copy()
    base.index = pd.RangeIndex(len(test))
    cands["debtor_id"] = cands["key"]
    cands["open_cents"] = test["at_stake_cents"].to_numpy()[cands["key"].to_numpy()]
    feats = candidate_rows(base, cands)
    p_pay, p_complaint = policy.models.predict(feats)
    rw = reward_weights or policy.weights
    if reward_models is not None:
        q_pay, q_complaint = reward_models.predict(feats)
    else:
        q_pay, q_complaint = p_pay, p_complaint
    harm = float(rw.harm_cents)
    cost = rw.cost_weight * cands["cost_cents"].to_numpy()
    q = cands["open_cents"].to_numpy() * q_pay - cost - harm * q_complaint
    days = (
        pd.to_datetime(cands["send_at"], utc=True)
        - pd.to_datetime(test["day"].to_numpy()[cands["key"].to_numpy()], utc=True)
    ).dt.total_seconds() / 86400
    values = action_values(
        open_cents=cands["open_cents"].to_numpy(dtype=float),
        p_pay=p_pay,
        p_complaint=p_complaint,
        cost_cents=cands["cost_cents"].to_numpy(dtype=float),
        days_until_send=days.to_numpy(dtype=float),
        weights=policy.weights,
    )
    key = cands["key"].to_numpy(dtype=np.int64)
    pi = choice.grouped_probabilities(values, key, policy.exploration)
    q_target = np.bincount(key, weights=pi * q, minlength=len(test))
    hour = pd.to_datetime(test["send_at"], utc=True).dt.tz_convert("Europe/Amsterdam").dt.hour
    logged_hour = np.where(test["channel"].to_numpy() == "none", -1, hour.to_numpy())
    match = pd.DataFrame({"key": np.arange(len(test)), "channel": test["channel"].to_numpy(),
                          "tone": test["tone"].to_numpy(), "hour": logged_hour})  # fmt: skip
    cand_idx = cands.reset_index()[["index", "key", "channel", "tone", "hour"]]
    found = match.merge(cand_idx, on=["key", "channel", "tone", "hour"], how="left")
    idx = found["index"].to_numpy()
    ok = ~np.isnan(idx.astype(float))
    pi_logged = np.where(ok, pi[np.where(ok, idx, 0).astype(int)], 0.0)
    q_logged = np.where(ok, q[np.where(ok, idx, 0).astype(int)], 0.0)
    r = rewards(test, harm, rw.cost_weight)
    logged = (r, test["propensity"].to_numpy(), pi_logged, q_logged, q_target)
    gain = gain_of(*logged)
    return OpeReport(all_estimates(*logged), float(r.mean()), len(test), int((~ok).sum()), gain)
