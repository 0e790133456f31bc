"""Figures logged with a model: the calibration (reliability) curve and the feature importance.

Built on ``matplotlib.figure.Figure`` directly (no pyplot, no display, no global state), so they are
safe in CI, in threads and in the scheduler.
"""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve


def calibration_figure(y: np.ndarray, p: np.ndarray, *, title: str) -> Figure:
    """Observed share late against predicted P(late), in up to ten quantile bins."""
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.plot(predicted, observed, marker="o", label="model")
    ax.set_xlabel("predicted P(paid late)")
    ax.set_ylabel("observed share paid late")
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def importance_figure(importance: pd.DataFrame, column: str, *, top: int = 20) -> Figure:
    """Horizontal bars of the ``top`` features by ``column`` (gain)."""
    rows = importance.sort_values(column, ascending=True).tail(top)
    fig = Figure(figsize=(6, 0.3 * len(rows) + 1.2))
    ax = fig.add_subplot()
    ax.barh(rows["feature"], rows[column])
    ax.set_xlabel(column.replace("_", " "))
    fig.tight_layout()
    return fig
