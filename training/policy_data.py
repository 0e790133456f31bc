"""The policy's training table: one row per logged decision, features as of the decision, outcomes
over the horizon.

Decisions come from the ledger's decision log (``Recommendation`` rows: the scoring API writes one
per answer, the simulator one per decision point of its logging policy), waits included, each with
its logged propensity; a plan's answers (``body["plan"]``) are the plan learner's and are left
out. Features are built as of the *start of the decision's day* (UTC), the same instant the live
API's daily snapshot uses, so nothing dated that day — a payment booked tonight — can reach a row.
Labels look forward from the decision day over ``horizon`` days:

- ``paid_frac``: share of the amount at stake (overdue amount as of the decision) paid within the
  horizon, in [0, 1] — the target of P(pay); ``paid_cents_7d`` and ``paid_cents_30d`` beside it
  (NaN where that window had not closed by the end of the data);
- ``paid_cents``, ``complaint`` (a complaint outcome within the horizon), ``dispute``.

Decisions whose horizon runs past the end of the data are dropped (their outcome is unknown).
Labels may look at the future; they never enter ``build_features``.
"""

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from features import build_features
from features.loading import LedgerFrames
from features.specs import FEATURES
from ledger.tables import Creditor, Recommendation, plan_answer

DAY = pd.Timedelta(days=1)
POLICY_FEATURES = [s.name for s in FEATURES if s.name != "segment"]
EXTRA_HORIZONS = (7, 30)


@dataclass(frozen=True)
class DecisionLog:
    """Logged decisions: id, debtor_id, day (UTC midnight), channel/tone ('none' = wait),
    send_at, propensity, model_version, cost_cents."""

    frame: pd.DataFrame


def read_decisions(engine: Engine, creditor_id: int | None = None) -> DecisionLog:
    """The per-day decisions of the ledger's decision log: a plan's answers (checkpoint or not)
    are the plan learner's (:func:`ledger.tables.plan_answer`), not decisions of a day."""
    q = (
        sa.select(
            col(Recommendation.id),
            col(Recommendation.creditor_id),
            col(Recommendation.debtor_id),
            col(Recommendation.created_at),
            col(Recommendation.channel),
            col(Recommendation.tone),
            col(Recommendation.send_at),
            col(Recommendation.propensity),
            col(Recommendation.model_version),
            col(Creditor.channel_costs_cents),
        )
        .join(Creditor, col(Creditor.id) == col(Recommendation.creditor_id))
        .where(sa.not_(plan_answer()))
    )
    if creditor_id is not None:
        q = q.where(col(Recommendation.creditor_id) == creditor_id)
    with engine.connect() as conn:
        raw = pd.read_sql_query(q, conn)
    return DecisionLog(_normalise(raw))


def _normalise(raw: pd.DataFrame) -> pd.DataFrame:
    created = pd.to_datetime(raw["created_at"], utc=True)
    channel = raw["channel"].fillna("none").astype("str")
    costs = raw["channel_costs_cents"].map(_costs)
    cost = [c.get(ch, 0) if ch != "none" else 0 for c, ch in zip(costs, channel, strict=True)]
    send_at = pd.to_datetime(raw["send_at"], utc=True)
    return pd.DataFrame(
        {
            "id": raw["id"].astype("str"),
            "creditor_id": raw["creditor_id"].astype("int64"),
            "debtor_id": raw["debtor_id"].astype("int64"),
            "day": created.dt.floor("D"),
            "channel": channel,
            "tone": raw["tone"].fillna("none").astype("str"),
            "send_at": send_at.fillna(created.dt.floor("D")),
            "propensity": raw["propensity"].astype("float64"),
            "model_version": raw["model_version"].astype("str"),
            "cost_cents": np.asarray(cost, dtype="float64"),
        }
    ).sort_values(["day", "debtor_id"], kind="stable", ignore_index=True)


def _costs(value: object) -> dict[str, int]:
    if isinstance(value, dict):
        return {str(k): int(v) for k, v in value.items()}
    if isinstance(value, str) and value:
        return {str(k): int(v) for k, v in json.loads(value).items()}
    return {}


def labels(
    frames: LedgerFrames, payments: pd.DataFrame, decisions: pd.DataFrame, horizon: int
) -> pd.DataFrame:
    """Forward-looking outcomes of each decision (see module docstring).

    ``payments``: debtor_id, day (UTC midnight), amount_cents — one row per payment.
    """
    d = decisions[["debtor_id", "day"]].reset_index()
    end = d["day"] + horizon * DAY
    paid = _window_sum(d, end, payments.rename(columns={"amount_cents": "v"}))
    out = frames.outcomes
    complaints = out[out["kind"].astype("str") == "complaint"]
    disputes = out[out["kind"].astype("str") == "dispute"]
    one = pd.Series(1.0, index=complaints.index)
    c = _window_sum(
        d,
        end,
        pd.DataFrame(
            {"debtor_id": complaints["debtor_id"], "day": complaints["ts"].dt.floor("D"), "v": one}
        ),
    )
    one = pd.Series(1.0, index=disputes.index)
    s = _window_sum(
        d,
        end,
        pd.DataFrame(
            {"debtor_id": disputes["debtor_id"], "day": disputes["ts"].dt.floor("D"), "v": one}
        ),
    )
    return pd.DataFrame(
        {"paid_cents": paid, "complaint": (c > 0).astype("float64"),
         "dispute": (s > 0).astype("float64")},
        index=decisions.index,
    )  # fmt: skip


def _window_sum(d: pd.DataFrame, end: pd.Series, events: pd.DataFrame) -> np.ndarray:
    """Sum of ``events.v`` per decision over event days in [decision day, end)."""
    if events.empty:
        return np.zeros(len(d))
    ev = events.sort_values(["debtor_id", "day"])
    cum = ev.groupby("debtor_id")["v"].cumsum()
    ev = ev.assign(cum=cum)

    def upto(t: pd.Series) -> np.ndarray:
        q = pd.DataFrame({"debtor_id": d["debtor_id"], "t": t, "row": d.index}).sort_values("t")
        m = pd.merge_asof(q, ev.sort_values("day"), left_on="t", right_on="day",
                          by="debtor_id", allow_exact_matches=False)  # fmt: skip
        return np.asarray(m.sort_values("row")["cum"].fillna(0.0).to_numpy(), dtype=float)

    out: np.ndarray = upto(end) - upto(d["day"])
    return out


def payments_frame(engine: Engine, creditor_id: int | None = None) -> pd.DataFrame:
    where = "" if creditor_id is None else " WHERE creditor_id = :c"
    with engine.connect() as conn:
        raw = pd.read_sql_query(
            sa.text(f"SELECT debtor_id, paid_on, amount_cents FROM payment{where}"),
            conn,
            params={"c": creditor_id},
        )
    raw = raw[raw["debtor_id"].notna()]
    return pd.DataFrame(
        {
            "debtor_id": raw["debtor_id"].astype("int64"),
            "day": pd.to_datetime(raw["paid_on"], utc=True),
            "amount_cents": raw["amount_cents"].astype("float64"),
        }
    )


def decision_table(
    frames: LedgerFrames, log: DecisionLog, payments: pd.DataFrame, *, horizon: int = 14
) -> pd.DataFrame:
    """Features + action + propensity + labels, one row per decision whose horizon has closed."""
    dec = log.frame
    data_end = max(frames.invoices["issue_ts"].max(), payments["day"].max(), dec["day"].max())
    dec = dec[dec["day"] + horizon * DAY <= data_end].reset_index(drop=True)
    requests = pd.DataFrame(
        {
            "debtor_id": dec["debtor_id"],
            "as_of": dec["day"],
            "channel": dec["channel"],
            "tone": dec["tone"],
            "send_at": dec["send_at"],
        }
    )
    feats = build_features(frames, requests)
    lab = labels(frames, payments, dec, horizon)
    for days in EXTRA_HORIZONS:  # reported beside the model's horizon; NaN while still open
        paid = labels(frames, payments, dec, days)["paid_cents"]
        lab[f"paid_cents_{days}d"] = paid.where(dec["day"] + days * DAY <= data_end)
    at_stake = (feats["overdue_amount"].fillna(0.0) * 100).clip(lower=0)
    out = pd.concat([dec, feats[POLICY_FEATURES], lab], axis=1)
    out["at_stake_cents"] = at_stake
    out["paid_frac"] = np.where(at_stake > 0, (out["paid_cents"] / at_stake).clip(0, 1), 0.0)
    out["paid_cents"] = np.minimum(out["paid_cents"], at_stake)
    kept: pd.DataFrame = out[at_stake > 0].reset_index(drop=True)
    return kept
