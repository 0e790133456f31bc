"""The learned decision: score every allowed candidate, value it, choose with exploration, explain.

Input is a candidate table built by the caller from the rules (``policy.allowed_actions`` in the
API, the simulator's allowed set in replay): one row per (debtor, candidate) with ``debtor_id``,
``channel`` and ``tone`` ("none" for waiting), ``send_at`` (UTC), ``cost_cents`` and ``open_cents``.
The debtor's own features (as of now, from ``features.build_features``) are computed once per debtor
and the candidate's action features (channel, tone, response rate, calendar of the send time) are
laid over them. All candidates of a batch go through the models in one call; SHAP is computed only
for the chosen rows, also in one call. The rows reach the boosters as one float matrix built with
numpy (:mod:`policy.encoding`), the matrix LightGBM itself would build from
:func:`candidate_rows`; a caller that decides often passes the debtor table already encoded.
This module never filters candidates: the rules did that.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.calendar import calendar_features
from features.specs import CHANNELS, NONE_CHANNELS, NONE_TONES
from policy import choice, explain
from policy.encoding import (
    CANDIDATE_COLUMNS,
    CandidateTable,
    EncodedBase,
    RowValues,
    candidate_matrix,
    encode_base,
)
from policy.lgb_threads import threads
from policy.model import OutcomeModels
from policy.value import ValueWeights, action_values

__all__ = ["CANDIDATE_COLUMNS", "CandidateTable", "Decision", "candidate_rows", "decide"]


@dataclass
class Decision:
    debtor_id: int
    chosen: int  # row position in the caller's candidate table
    propensity: float
    value_cents: float
    p_pay: float
    p_complaint: float
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[explain.Reason] = field(default_factory=list)
    shap: dict[str, float] = field(default_factory=dict)
    base_value: float | None = None
    versus_runner_up: str | None = None


def candidate_rows(base: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """The debtor's feature row repeated per candidate, with the candidate's action features."""
    missing = [c for c in CANDIDATE_COLUMNS if c not in candidates.columns]
    if missing:
        raise KeyError(f"candidate table lacks {missing}")
    rows = base.loc[candidates["debtor_id"].to_numpy()].reset_index(drop=True)
    channel = candidates["channel"].fillna("none").astype("str").to_numpy()
    rows["cand_channel"] = pd.Categorical(channel, categories=list(NONE_CHANNELS))
    rows["cand_tone"] = pd.Categorical(
        candidates["tone"].fillna("none").astype("str").to_numpy(), categories=list(NONE_TONES)
    )
    rate = np.full(len(rows), np.nan)
    for c in CHANNELS:
        rate = np.where(channel == c, rows[f"resp_rate_{c}"].to_numpy(dtype=float), rate)
    rows["cand_resp_rate"] = rate
    send_at = pd.Series(pd.to_datetime(candidates["send_at"].to_numpy(), utc=True))
    for name, values in calendar_features(send_at).items():
        rows[name] = values.to_numpy()
    return rows


def _predict(
    models: OutcomeModels, x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:meth:`OutcomeModels.predict` on an encoded matrix."""
    p_pay = np.asarray(models.pay.predict(x, **threads(len(x))), dtype=np.float64)
    p_complaint = np.asarray(models.complaint.predict(x, **threads(len(x))), dtype=np.float64)
    return models.pay_calibration.apply(p_pay), models.complaint_calibration.apply(p_complaint)


def decide(
    models: OutcomeModels,
    base: pd.DataFrame | EncodedBase,
    candidates: pd.DataFrame | CandidateTable,
    *,
    now: datetime,
    weights: ValueWeights,
    exploration: choice.Exploration,
    rng: np.random.Generator | Callable[[int], float],
    explain_choice: bool = True,
    lang: str = "en",
    alternatives: int = 3,
) -> list[Decision]:
    """One decision per debtor in ``candidates`` (rows of one debtor must be adjacent).
    ``base``: the debtors' feature rows (index: debtor id), or :func:`encode_base` of them.
    ``rng``: one stream for all draws, or each debtor id's own uniform number
    (:func:`choice.keyed_uniform`)."""
    table = (
        candidates
        if isinstance(candidates, CandidateTable)
        else CandidateTable.from_frame(candidates)
    )
    if not len(table):
        return []
    enc = base if isinstance(base, EncodedBase) else encode_base(models, base)
    rows = candidate_matrix(enc, table)
    p_pay, p_complaint = _predict(models, rows)
    days = (table.send_at - now.timestamp()) / 86400.0
    values = action_values(
        open_cents=table.open_cents,
        p_pay=p_pay,
        p_complaint=p_complaint,
        cost_cents=table.cost_cents,
        days_until_send=days,
        weights=weights,
    )
    debtor = table.debtor_id
    probs = choice.grouped_probabilities(values, debtor, exploration)
    starts, ends = choice.group_bounds(debtor)
    channels, tones, costs = table.channel, table.tone, table.cost_cents

    def scored(i: int) -> dict[str, Any]:
        return {
            "row": i,
            "channel": str(channels[i]),
            "tone": str(tones[i]),
            "value_cents": float(values[i]),
            "p_pay": float(p_pay[i]),
            "p_complaint": float(p_complaint[i]),
            "cost_cents": float(costs[i]),
        }

    decisions = []
    for s, e in zip(starts, ends, strict=True):
        if callable(rng):
            i, propensity = choice.draw_at(probs[s:e], rng(int(debtor[s])))
        else:
            i, propensity = choice.draw(probs[s:e], rng)
        chosen = s + i
        order = s + np.argsort(-values[s:e], kind="stable")
        others = [scored(int(j)) for j in order if j != chosen]
        decisions.append(
            Decision(
                debtor_id=int(debtor[s]),
                chosen=int(chosen),
                propensity=propensity,
                value_cents=float(values[chosen]),
                p_pay=float(p_pay[chosen]),
                p_complaint=float(p_complaint[chosen]),
                alternatives=others[:alternatives],
            )
        )
    if explain_choice:
        _explain(models, enc, rows, decisions, scored, lang)
    return decisions


def _explain(
    models: OutcomeModels,
    enc: EncodedBase,
    rows: NDArray[np.float64],
    decisions: list[Decision],
    scored: Any,
    lang: str,
) -> None:
    chosen_rows = rows[[d.chosen for d in decisions]]
    contributions = np.asarray(
        models.pay.predict(chosen_rows, pred_contrib=True, **threads(len(chosen_rows))),
        dtype=np.float64,
    )
    for d, contrib, row in zip(decisions, contributions, chosen_rows, strict=True):
        d.reasons, d.shap, d.base_value = explain.reasons(
            contrib, models.feature_names, RowValues(enc, row), lang=lang
        )
        runner_up = d.alternatives[0] if d.alternatives else None
        d.versus_runner_up = explain.versus_runner_up(scored(d.chosen), runner_up, lang=lang)
