"""The plain baseline the payment-time model must match: LightGBM over a customer's as-of history.

What an analyst would build first from an invoice list alone: per invoice, as of its issue date,
the customer's count of invoices settled before, their mean days late, late rate and mean days to
settle, plus the invoice's basics (amount, payment terms, month and weekday of issue, country).
It is fitted with exactly the payment-time model's protocol
(:func:`training.payment_time.fit_boosters`: the same rows, chronological split, fold-chosen
complexity and early stopping), so a comparison of the two measures the features, nothing else.
Only evaluation uses it; it is never served.

"Matches or beats" is judged per cut and metric by a paired bootstrap over customers
(:func:`paired_differences`): the model matches unless the 95 % interval of its difference from
the baseline lies wholly on the worse side of 0. Customers, not invoices, are resampled: one
customer's invoices are paid alike, and resampling them singly would narrow the interval.
"""

from datetime import date

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.loading import LedgerFrames
from features.training_set import payment_time_table
from training.payment_time import (
    PaymentTimeConfig,
    chronological_split,
    evaluate,
    fit_boosters,
    train_payment_time,
)

HISTORY_COLUMNS = ("n_settled", "mean_days_late", "late_rate", "mean_days_to_settle")
BASIC_COLUMNS = ("amount", "terms_days", "issue_month", "issue_weekday", "country")


def history_features(frames: LedgerFrames, invoice_ids: pd.Series) -> pd.DataFrame:
    """The baseline's features for each id in ``invoice_ids`` (same index), from invoices of
    the same customer settled strictly before its issue date."""
    inv = frames.invoices[["invoice_id", "debtor_id", "issue_ts", "due_ts", "paid_ts", "amount"]]
    parts = []
    for _, own in inv.groupby("debtor_id", sort=False):
        paid = own.dropna(subset=["paid_ts"]).sort_values("paid_ts")
        late = (paid["paid_ts"] - paid["due_ts"]).dt.days.clip(lower=0).to_numpy(dtype=float)
        settle = (paid["paid_ts"] - paid["issue_ts"]).dt.days.to_numpy(dtype=float)
        sums = {
            "mean_days_late": np.r_[0.0, np.cumsum(late)],
            "late_rate": np.r_[0.0, np.cumsum(late > 0)],
            "mean_days_to_settle": np.r_[0.0, np.cumsum(settle)],
        }
        k = np.searchsorted(paid["paid_ts"].to_numpy(), own["issue_ts"].to_numpy(), side="left")
        part = pd.DataFrame({"invoice_id": own["invoice_id"].to_numpy(), "n_settled": k})
        with np.errstate(invalid="ignore", divide="ignore"):
            for name, cum in sums.items():
                part[name] = np.where(k > 0, cum[k] / np.maximum(k, 1), np.nan)
        parts.append(part)
    history = pd.concat(parts).set_index("invoice_id").reindex(invoice_ids.to_numpy())
    basics = inv.set_index("invoice_id").reindex(invoice_ids.to_numpy())
    country = frames.debtors.set_index("debtor_id")["country"].reindex(basics["debtor_id"])
    out = pd.DataFrame(
        {
            **{c: history[c].to_numpy() for c in HISTORY_COLUMNS},
            "amount": basics["amount"].to_numpy(dtype=float),
            "terms_days": (basics["due_ts"] - basics["issue_ts"]).dt.days.to_numpy(dtype=float),
            "issue_month": basics["issue_ts"].dt.month.to_numpy(dtype=float),
            "issue_weekday": basics["issue_ts"].dt.day_of_week.to_numpy(dtype=float),
            "country": pd.Categorical(country.astype("str").to_numpy()),
        },
        index=invoice_ids.index,
    )
    return out


BETTER = {"auc": 1.0, "logloss": -1.0, "mae_days": -1.0}  # the sign of a better difference
BOOTSTRAP_DRAWS = 1000


def evaluate_baseline(
    frames: LedgerFrames,
    table: pd.DataFrame,
    *,
    test_from: date,
    config: PaymentTimeConfig | None = None,
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Held-out metrics of the baseline on the payment-time model's own split of ``table``
    (:func:`features.training_set.payment_time_table`), and its predictions on the held-out rows
    (P(late), days late), in their order."""
    cfg = config or PaymentTimeConfig()
    train, test = chronological_split(table, test_from, strict_labels=cfg.strict_labels)
    x_train = history_features(frames, train["invoice_id"])
    x_test = history_features(frames, test["invoice_id"])
    classifier, regressor = fit_boosters(x_train, train, cfg)
    p_late = np.asarray(classifier.predict(x_test), dtype="float64")
    days = np.clip(np.asarray(regressor.predict(x_test), dtype="float64"), 0, None)
    metrics = evaluate(
        test["paid_late"].to_numpy(dtype="float64"),
        p_late,
        test["days_late"].to_numpy(dtype="float64"),
        days,
    )
    return metrics, p_late, days


def paired_differences(
    y_late: np.ndarray,
    y_days: np.ndarray,
    customer: np.ndarray,
    model: tuple[np.ndarray, np.ndarray],
    baseline: tuple[np.ndarray, np.ndarray],
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> dict[str, dict[str, object]]:
    """Per metric of ``BETTER``: the model's difference from the baseline (model minus baseline)
    on the held-out rows, its 95 % interval from ``draws`` resamples of the customers (both
    scored on the same resample) and the verdict: "better" or "worse" when the interval excludes
    0, else "no difference". ``model`` and ``baseline``: (P(late), predicted days late)."""
    codes, _ = pd.factorize(pd.Series(customer))
    rows_of = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    rng = np.random.default_rng(seed)
    p_model, p_base = (np.clip(p, 1e-6, 1 - 1e-6) for p in (model[0], baseline[0]))  # as evaluate

    def row_loss(p: np.ndarray) -> np.ndarray:
        return np.asarray(-(y_late * np.log(p) + (1 - y_late) * np.log(1 - p)))

    # log loss and MAE are means over rows: their differences per row, summed once per resample
    loss = row_loss(p_model) - row_loss(p_base)
    error = np.abs(y_days - model[1]) - np.abs(y_days - baseline[1])

    def diff(rows: np.ndarray) -> dict[str, float]:
        y = y_late[rows]
        auc = roc_auc_score(y, p_model[rows]) - roc_auc_score(y, p_base[rows])
        return {"auc": float(auc), "logloss": float(loss[rows].mean()),
                "mae_days": float(error[rows].mean())}  # fmt: skip

    every = np.arange(len(y_late))
    point = diff(every)
    samples: dict[str, list[float]] = {k: [] for k in BETTER}
    for _ in range(draws):
        picked = rng.integers(0, len(rows_of), len(rows_of))
        rows = np.concatenate([rows_of[c] for c in picked])
        if len(np.unique(y_late[rows])) < 2:
            continue  # no AUC without both classes
        for k, v in diff(rows).items():
            samples[k].append(v)
    out: dict[str, dict[str, object]] = {}
    for k, sign in BETTER.items():
        lo, hi = (float(q) for q in np.quantile(samples[k], [0.025, 0.975]))
        verdict = "no difference"
        if lo > 0 or hi < 0:
            verdict = "better" if (lo > 0) == (sign > 0) else "worse"
        out[k] = {"difference": point[k], "ci95": [lo, hi], "verdict": verdict}
    return out


def compare_at_cuts(
    frames: LedgerFrames,
    shares: tuple[float, ...] = (0.70, 0.75, 0.80, 0.85),
    config: PaymentTimeConfig | None = None,
) -> list[dict[str, object]]:
    """The payment-time model against the baseline at chronological cuts: each share of the
    invoices (by issue date) before the cut is training, the settled rest the hold-out; with
    each metric's paired difference (:func:`paired_differences`)."""
    table = payment_time_table(frames)
    issued = frames.invoices["issue_ts"].sort_values().to_numpy()
    customer_of = frames.invoices.set_index("invoice_id")["debtor_id"]
    rows: list[dict[str, object]] = []
    for share in shares:
        cut = pd.Timestamp(issued[int(len(issued) * share)]).date()
        result = train_payment_time(table, test_from=cut, config=config)
        model, held = result.metrics, result.predictions
        plain, p_plain, days_plain = evaluate_baseline(frames, table, test_from=cut, config=config)
        row: dict[str, object] = {"share": share, "test_from": cut.isoformat()}
        for metric in ("auc", "logloss", "brier", "mae_days"):
            row[f"model_{metric}"] = model[metric]
            row[f"baseline_{metric}"] = plain[metric]
        row["n_test"] = model["n_test"]
        customer = customer_of.reindex(held["invoice_id"].to_numpy()).to_numpy()
        row["n_test_customers"] = int(pd.Series(customer).nunique())
        row["paired"] = paired_differences(
            held["paid_late"].to_numpy(dtype="float64"),
            held["days_late"].to_numpy(dtype="float64"),
            customer,
            (held["p_late"].to_numpy(), held["pred_days_late"].to_numpy()),
            (p_plain, days_plain),
        )
        rows.append(row)
    return rows
