"""Explanations in plain words: SHAP contributions mapped to the feature specs' descriptions.

For the chosen action the model's P(pay) is split into per-feature SHAP contributions (LightGBM
``pred_contrib``, log-odds). The strongest ones become sentences from the specs ("paid 4 of the
last 5 invoices late"), and a line says why the chosen action beat the runner-up. Action features
that only name the candidate (its channel and tone) are kept in the raw values but not told as
reasons about the debtor.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from features.specs import REGISTRY

NOT_A_REASON = {"cand_channel", "cand_tone"}


@dataclass(frozen=True)
class Reason:
    feature: str
    text: str
    value: float | str | None
    contribution: float


def _plain(value: Any) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return None if math.isnan(v) else round(v, 4)
    return str(value)


def reasons(
    contributions: NDArray[np.float64],
    feature_names: list[str],
    values: Mapping[str, Any],
    *,
    lang: str = "en",
    top: int = 3,
) -> tuple[list[Reason], dict[str, float], float]:
    """Top reasons, all raw SHAP values and the base value, for one row of contributions."""
    shap = {name: float(c) for name, c in zip(feature_names, contributions[:-1], strict=True)}
    base = float(contributions[-1])
    ranked = sorted(
        (n for n in feature_names if n not in NOT_A_REASON and shap[n] != 0.0),
        key=lambda n: abs(shap[n]),
        reverse=True,
    )
    out = []
    for name in ranked[:top]:
        value = _plain(values.get(name))
        out.append(Reason(name, reason_text(name, value, shap[name], lang), value, shap[name]))
    return out, shap, base


def reason_text(name: str, value: Any, contribution: float, lang: str) -> str:
    """One reason as a sentence in ``lang`` (the reports re-word a stored reason with it, so a
    page asked in English never quotes the Dutch sentence the decision was logged with)."""
    spec = REGISTRY[name]
    shown = "unknown" if value is None else value
    direction = (
        ("verhoogt" if contribution > 0 else "verlaagt")
        if lang == "nl"
        else ("raises" if contribution > 0 else "lowers")
    )
    return f"{spec.describe(shown, lang)} — {direction} " + (
        "de kans op betaling" if lang == "nl" else "the chance of payment"
    )


def versus_runner_up(
    chosen: dict[str, Any], runner_up: dict[str, Any] | None, *, lang: str = "en"
) -> str | None:
    """One sentence on why the chosen action beat the next best, from their scores."""
    if runner_up is None:
        return None

    def label(a: dict[str, Any]) -> str:
        if a["channel"] in (None, "none"):
            return "wachten" if lang == "nl" else "waiting"
        return f"{a['channel']} ({a['tone']})"

    gap = (chosen["value_cents"] - runner_up["value_cents"]) / 100
    parts = []
    if chosen["p_pay"] is not None and runner_up["p_pay"] is not None:
        parts.append(f"P(pay) {chosen['p_pay']:.2f} vs {runner_up['p_pay']:.2f}")
    parts.append(f"cost €{chosen['cost_cents'] / 100:.2f} vs €{runner_up['cost_cents'] / 100:.2f}")
    if chosen.get("p_complaint") is not None and runner_up.get("p_complaint") is not None:
        parts.append(f"P(complaint) {chosen['p_complaint']:.3f} vs {runner_up['p_complaint']:.3f}")
    if lang == "nl":
        return f"{label(chosen)} levert €{gap:.2f} meer op dan {label(runner_up)}: " + "; ".join(
            parts
        )
    return f"{label(chosen)} is worth €{gap:.2f} more than {label(runner_up)}: " + "; ".join(parts)
