"""The reports' charts, drawn with matplotlib (Agg, no display) and returned as PNG data URIs so
an HTML file is self-contained and WeasyPrint puts the same image in the PDF.

Uses ``matplotlib.figure.Figure`` directly, never ``pyplot``: no global state, safe in the API's
threads. The SHAP waterfall is drawn here in SHAP's own layout (red pushes towards payment, blue
away) rather than with ``shap.plots.waterfall``: importing shap costs ~9 s per process, too much
for a web page, and our labels are translated sentences.
"""

import base64
import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from serving.reports.i18n import Lang

RED, BLUE, INK, GRID = "#d62728", "#1f77b4", "#222222", "#dddddd"
TOP_FEATURES = 8


def _data_uri(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _frame(fig: Figure) -> None:
    for ax in fig.axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)


def dso_trend_png(points: Sequence[tuple[str, float | None]], lang: Lang) -> str:
    """A line of DSO per week end (``(label, days)``; ``None`` leaves a gap)."""
    fig = Figure(figsize=(7.0, 2.6))
    ax = fig.add_subplot()
    xs = list(range(len(points)))
    ys = [math.nan if v is None else v for _, v in points]
    ax.plot(xs, ys, marker="o", color=BLUE, linewidth=2)
    if points and points[-1][1] is not None:
        ax.annotate(
            lang.number(points[-1][1]),
            (xs[-1], ys[-1]),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            color=INK,
        )
    ax.set_xticks(xs, [label for label, _ in points], fontsize=8)
    ax.set_ylabel(lang.t("dso.axis"))
    ax.set_ylim(bottom=0)
    _frame(fig)
    return _data_uri(fig)


def cash_png(weeks: Sequence[tuple[str, int]], lang: Lang) -> str:
    """Bars of expected cash per week (``(label, cents)``), amounts above the bars."""
    fig = Figure(figsize=(7.0, 2.4))
    ax = fig.add_subplot()
    xs = list(range(len(weeks)))
    euros = [cents / 100 for _, cents in weeks]
    bars = ax.bar(xs, euros, color=BLUE, width=0.6)
    ax.bar_label(bars, labels=[lang.money(c) for _, c in weeks], fontsize=8, padding=2)
    ax.set_xticks(xs, [label for label, _ in weeks], fontsize=8)
    ax.set_ylim(0, max([*euros, 1.0]) * 1.2)
    ax.yaxis.set_major_formatter(lambda v, _pos: lang.money(int(v * 100)).split(",")[0])
    _frame(fig)
    return _data_uri(fig)


def _p(log_odds: float) -> float:
    return 1 / (1 + math.exp(-log_odds))


def waterfall_png(base_value: float, contributions: Sequence[tuple[str, float]], lang: Lang) -> str:
    """SHAP waterfall: from the base (average debtor) through each contribution to this debtor,
    strongest at the top; beyond :data:`TOP_FEATURES` the rest is one bar."""
    ranked = sorted(contributions, key=lambda lv: abs(lv[1]), reverse=True)
    shown = list(ranked[:TOP_FEATURES])
    rest = ranked[TOP_FEATURES:]
    if rest:
        shown.append((lang.t("decision.other_features", n=len(rest)), sum(v for _, v in rest)))
    final = base_value + sum(v for _, v in contributions)
    rows = list(reversed(shown))  # bottom-up: the weakest starts at the base, the strongest on top
    fig = Figure(figsize=(8.0, 0.45 * len(rows) + 1.6))
    ax = fig.add_subplot()
    left, edges = base_value, [base_value]
    span = max(abs(v) for _, v in shown) if shown else 1.0
    for y, (_, value) in enumerate(rows):
        color = RED if value >= 0 else BLUE
        ax.barh(y, value, left=left, color=color, height=0.6)
        end = left + value
        ax.text(
            end + (0.02 if value >= 0 else -0.02) * span,
            y,
            f"{'+' if value >= 0 else '−'}{lang.number(abs(value), 2)}",
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=8,
            color=color,
        )
        left = end
        edges.append(end)
    pad = 0.25 * (max(edges) - min(edges) or 1.0)
    ax.set_xlim(min(edges) - pad, max(edges) + pad)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=8)
    ax.axvline(base_value, color="#999999", linestyle="--", linewidth=1)
    ax.axvline(final, color=INK, linestyle=":", linewidth=1)
    ax.set_xlabel(lang.t("decision.axis"), fontsize=8)
    ax.set_title(
        f"{lang.t('decision.base')}: {lang.percent(_p(base_value), 0)}   →   "
        f"{lang.t('decision.final')}: {lang.percent(_p(final), 0)}",
        fontsize=9,
        loc="left",
    )
    ax.spines[["top", "right"]].set_visible(False)
    return _data_uri(fig)
