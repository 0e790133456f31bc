"""Pictures and tables an MLflow policy run keeps: SHAP summary, calibration, action mix.

Plots are drawn on standalone ``Figure`` objects (no pyplot, so importing this never switches the
caller's backend — notebooks keep inline plots) and written to files the caller logs. The action
mix per archetype reads the simulator's latent archetypes — allowed here because it *evaluates* a
replay, never feeds a model.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from policy.model import OutcomeModels
from simulator.actions import ACTIONS
from simulator.config import ARCHETYPES
from simulator.world import World


def shap_summary(models: OutcomeModels, rows: pd.DataFrame, path: Path, top: int = 15) -> Path:
    """Mean |SHAP| of P(pay) per feature (bar chart), on a sample of held-out rows."""
    sample = rows.sample(min(len(rows), 2000), random_state=0)
    contrib = models.pay_contributions(sample)[:, :-1]
    mean_abs = pd.Series(np.abs(contrib).mean(axis=0), index=models.feature_names)
    shown = mean_abs.sort_values().tail(top)
    fig = Figure(figsize=(7, 0.35 * len(shown) + 1))
    ax = fig.subplots()
    ax.barh(shown.index, shown.to_numpy(), color="#3b6ea5")
    ax.set_xlabel("mean |SHAP| on P(pay) (log-odds)")
    ax.set_title("What drives the predicted chance of payment")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def calibration(y: np.ndarray, p: np.ndarray, path: Path, bins: int = 10) -> Path:
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    mean_p = np.array([p[idx == b].mean() if (idx == b).any() else np.nan for b in range(bins)])
    mean_y = np.array([y[idx == b].mean() if (idx == b).any() else np.nan for b in range(bins)])
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    top = float(np.nanmax([np.nanmax(mean_p), np.nanmax(mean_y), 0.05]))
    ax.plot([0, top], [0, top], "--", color="grey", label="perfect")
    ax.plot(mean_p, mean_y, "o-", color="#3b6ea5", label="P(pay) model")
    ax.set_xlabel("predicted share paid within horizon")
    ax.set_ylabel("observed share paid (held-out)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def action_mix(world: World, chosen: list[tuple[int, int, int]]) -> dict[str, pd.DataFrame]:
    """Share of each channel/tone chosen, per archetype and per segment (creditor × B2B/B2C)."""
    if not chosen:
        return {}
    c = np.array(chosen)
    debtor, action = c[:, 1], c[:, 2]
    pop = world.pop
    frame = pd.DataFrame(
        {
            "archetype": [ARCHETYPES[a] for a in pop.archetype[debtor]],
            "segment": [
                f"{world.cfg.creditors[cr].key}/{'b2c' if b else 'b2b'}"
                for cr, b in zip(pop.creditor[debtor], pop.b2c[debtor], strict=True)
            ],
            "action": [f"{ACTIONS[a].channel.value}/{ACTIONS[a].tone.value}" for a in action],
        }
    )
    return {
        by: pd.crosstab(frame[by], frame["action"], normalize="index").round(3)
        for by in ("archetype", "segment")
    }
