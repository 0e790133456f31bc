"""The payment-time model: per invoice, as of its issue date, P(paid late) and the days late.

This is what a new client has on day one (cold start) and what the weekly digest's cash forecast
uses. Two LightGBM boosters on the point-in-time features of :mod:`features`:

- a classifier for ``paid_late`` (paid after the due date);
- a regressor for ``days_late`` (``max(0, paid − due)``), L1 objective by default, because the
  headline error is the mean absolute error in days (the L1 optimum is the conditional median).

Rows: each invoice as of its issue date and, when the ledger has contacts, as of each later
decision (contact) while it was unpaid, so the same model scores an invoice on day one and later.
Protocol (chronological only): the test set is the invoices issued on or after ``test_from``, as of
their issue date; training uses rows issued *and* as of before it, and by default only **labels
known before it** too
(``strict_labels``): an invoice paid before ``test_from`` gives both labels; one still unpaid but
already overdue then gives "late" to the classifier only; one neither paid nor due is left out.
Early stopping uses the last ``valid_fraction`` of the training period, never the test set; the
same slice chooses the trees' complexity among ``complexity_grid`` (leaves, minimum rows per leaf,
feature share: small ledgers such as the IBM sample's 2,000 invoices want shallow, heavily pooled
trees, large ones deeper trees); the boosters are then refitted on the whole training set with the
chosen complexity and number of rounds. Invoices
still open at the end of the data have no label and are left out of training and testing.
Baselines: predict 0 days late, and the debtor's own past mean days late (leak-free, as of issue;
the training mean where the debtor has no settled invoice yet).
"""

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import brier_score_loss, log_loss, mean_absolute_error, roc_auc_score

from features.specs import payment_time_feature_names

MODEL_NAME = "payment-time"


class EmptySplitError(ValueError):
    """The chronological split left no training or no test rows."""


@dataclass(frozen=True)
class PaymentTimeConfig:
    num_boost_round: int = 600
    learning_rate: float = 0.03
    num_leaves: int = 15
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    # (num_leaves, min_data_in_leaf, feature_fraction) tried on the validation folds, most complex
    # first; the first entry is the fallback when the training set is too small for folds.
    # Empty: use the three settings above.
    complexity_grid: tuple[tuple[int, int, float], ...] = (
        (15, 20, 0.8),
        (7, 40, 0.5),
        (3, 80, 0.5),
    )
    lambda_l2: float = 1.0
    regression_objective: str = "l1"
    valid_fraction: float = 0.3
    folds: int = 3  # rolling validation slices that choose the complexity
    early_stopping_rounds: int = 50
    strict_labels: bool = True
    seed: int = 7
    num_threads: int = 1  # OpenMP threads fight on small data and shared CI cores


@dataclass
class PaymentTimeResult:
    classifier: lgb.Booster
    regressor: lgb.Booster
    features: list[str]
    metrics: dict[str, float]
    predictions: pd.DataFrame  # test rows: invoice_id, issue_ts, paid_late, days_late, p_late, ...
    importance: pd.DataFrame  # feature, gain_classifier, gain_regressor
    config: PaymentTimeConfig
    params: dict[str, Any] = field(default_factory=dict)


def training_rows(
    table: pd.DataFrame, test_from: date, *, strict_labels: bool = True
) -> pd.DataFrame:
    """Invoices issued before ``test_from`` with the labels known then, oldest first."""
    cut = pd.Timestamp(test_from, tz="UTC")
    settled = table["settled"].astype(bool)
    train = table[(table["issue_ts"] < cut) & (table["as_of"] < cut)].copy()
    if strict_labels:
        known = settled[train.index] & (train["paid_ts"] < cut)
        overdue = train["due_ts"] + pd.Timedelta(days=1) < cut
        train["paid_late"] = train["paid_late"].where(known, np.where(overdue, 1.0, np.nan))
        train["days_late"] = train["days_late"].where(known)
    else:
        train = train[settled[train.index]]
    train = train[train["paid_late"].notna()]
    if train.empty:
        raise EmptySplitError(f"no labelled invoices issued before {test_from}")
    return train.sort_values("issue_ts", kind="stable")


def test_rows(table: pd.DataFrame, test_from: date) -> pd.DataFrame:
    """Settled invoices issued on or after ``test_from``, as of their issue date (held out)."""
    cut = pd.Timestamp(test_from, tz="UTC")
    test = table[(table["issue_ts"] >= cut) & table["settled"].astype(bool)]
    if "row_kind" in test:
        test = test[test["row_kind"] == "issue"]  # the headline: as of the issue date
    if test.empty:
        raise EmptySplitError(f"no settled invoices issued on or after {test_from}")
    return test.copy()


def chronological_split(
    table: pd.DataFrame, test_from: date, *, strict_labels: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) rows of a payment-time table (see the module docstring for the rules)."""
    return training_rows(table, test_from, strict_labels=strict_labels), test_rows(table, test_from)


def _params(cfg: PaymentTimeConfig, objective: str) -> dict[str, Any]:
    return {
        "objective": objective,
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_data_in_leaf": cfg.min_data_in_leaf,
        "feature_fraction": cfg.feature_fraction,
        "lambda_l2": cfg.lambda_l2,
        "seed": cfg.seed,
        "deterministic": True,
        "num_threads": cfg.num_threads,
        "verbosity": -1,
    }


def _fit(
    x: pd.DataFrame, y: pd.Series, params: dict[str, Any], cfg: PaymentTimeConfig
) -> lgb.Booster:
    """Choose the complexity on rolling chronological folds (the one-standard-error rule: the
    simplest whose validation loss lies within one standard error of the best), early-stop it on
    the last slice, then refit on everything."""
    grid = cfg.complexity_grid or ((cfg.num_leaves, cfg.min_data_in_leaf, cfg.feature_fraction),)
    folds = _folds(len(x), cfg)
    chosen, rounds = params | _complexity(grid[0]), cfg.num_boost_round
    if folds:
        losses = [
            np.concatenate([_probe(x, y, params | _complexity(c), cfg, *f)[0] for f in folds])
            for c in grid
        ]
        means = np.array([loss.mean() for loss in losses])
        best = int(np.argmin(means))
        se = losses[best].std(ddof=1) / np.sqrt(len(losses[best]))
        simplest = max(i for i in range(len(grid)) if means[i] <= means[best] + se)
        chosen = params | _complexity(grid[simplest])
        rounds = _probe(x, y, chosen, cfg, *folds[-1])[1]
    return lgb.train(chosen, lgb.Dataset(x, y), num_boost_round=rounds)


def _folds(n: int, cfg: PaymentTimeConfig) -> list[tuple[int, int]]:
    """(train end, validation end) of ``cfg.folds`` rolling slices that together make up the
    last ``valid_fraction`` of the rows (oldest first); none when a slice would be too small."""
    n_valid = int(n * cfg.valid_fraction)
    size = n_valid // cfg.folds
    if size < 20 or n - n_valid < 20:
        return []
    starts = [n - n_valid + k * size for k in range(cfg.folds)]
    return [(s, s + size if k < cfg.folds - 1 else n) for k, s in enumerate(starts)]


def _probe(
    x: pd.DataFrame,
    y: pd.Series,
    params: dict[str, Any],
    cfg: PaymentTimeConfig,
    cut: int,
    end: int,
) -> tuple[NDArray[np.float64], int]:
    """Per-row validation losses (log loss or absolute error) and the best number of rounds,
    trained on rows before ``cut``."""
    fit = lgb.Dataset(x.iloc[:cut], y.iloc[:cut])
    valid = lgb.Dataset(x.iloc[cut:end], y.iloc[cut:end], reference=fit)
    probe = lgb.train(
        params,
        fit,
        num_boost_round=cfg.num_boost_round,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(cfg.early_stopping_rounds, verbose=False)],
    )
    pred = np.asarray(probe.predict(x.iloc[cut:end]), dtype=np.float64)
    truth = y.iloc[cut:end].to_numpy(dtype=np.float64)
    if params["objective"] == "binary":
        p = np.clip(pred, 1e-6, 1 - 1e-6)
        loss = -(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    else:
        loss = np.abs(truth - pred)
    return loss, max(1, probe.best_iteration)


def _complexity(entry: tuple[int, int, float]) -> dict[str, Any]:
    leaves, min_rows, share = entry
    return {"num_leaves": leaves, "min_data_in_leaf": min_rows, "feature_fraction": share}


def debtor_mean_baseline(rows: pd.DataFrame, fallback: float) -> np.ndarray:
    """The debtor's past mean days late as of issue (the fallback where there is none)."""
    return rows["hist_mean_days_late"].fillna(fallback).to_numpy(dtype="float64")


def evaluate(
    y_late: np.ndarray, p_late: np.ndarray, y_days: np.ndarray, pred_days: np.ndarray
) -> dict[str, float]:
    """Accuracy at 0.5, AUC, log loss, Brier and MAE in days (AUC NaN with one class only)."""
    p = np.clip(p_late, 1e-6, 1 - 1e-6)
    both = len(np.unique(y_late)) == 2
    return {
        "accuracy": float(np.mean((p >= 0.5) == (y_late == 1))),
        "auc": float(roc_auc_score(y_late, p)) if both else float("nan"),
        "logloss": float(log_loss(y_late, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y_late, p)),
        "mae_days": float(mean_absolute_error(y_days, pred_days)),
    }


def fit_boosters(
    x: pd.DataFrame, train: pd.DataFrame, config: PaymentTimeConfig | None = None
) -> tuple[lgb.Booster, lgb.Booster]:
    """Classifier and regressor on the feature matrix ``x`` of :func:`training_rows` ``train``
    (same index); the baseline of :mod:`training.payment_time_baseline` is fitted the same way."""
    cfg = config or PaymentTimeConfig()
    classifier = _fit(x, train["paid_late"], _params(cfg, "binary"), cfg)
    return classifier, fit_days_late(x, train, cfg)


def fit_days_late(
    x: pd.DataFrame, train: pd.DataFrame, config: PaymentTimeConfig | None = None
) -> lgb.Booster:
    """The regressor of :func:`fit_boosters` alone, on the rows of ``train`` paid (a days late)."""
    cfg = config or PaymentTimeConfig()
    paid = train["days_late"].notna()
    if not paid.any():
        raise EmptySplitError("no training invoice was paid before the test period")
    return _fit(x[paid], train.loc[paid, "days_late"], _params(cfg, cfg.regression_objective), cfg)


def fit_payment_time(
    train: pd.DataFrame, config: PaymentTimeConfig | None = None
) -> tuple[lgb.Booster, lgb.Booster]:
    """The classifier and the regressor, fitted on :func:`training_rows`."""
    return fit_boosters(train[payment_time_feature_names()], train, config)


def train_payment_time(
    table: pd.DataFrame, *, test_from: date, config: PaymentTimeConfig | None = None
) -> PaymentTimeResult:
    """Fit both boosters on the training period and score the held-out invoices.

    ``table`` is :func:`features.training_set.payment_time_table` (features as of issue + labels).
    """
    cfg = config or PaymentTimeConfig()
    names = payment_time_feature_names()
    train, test = chronological_split(table, test_from, strict_labels=cfg.strict_labels)
    classifier, regressor = fit_payment_time(train, cfg)
    reg_rows = train[train["days_late"].notna()]
    y_late = test["paid_late"].to_numpy(dtype="float64")
    y_days = test["days_late"].to_numpy(dtype="float64")
    p_late = np.asarray(classifier.predict(test[names]), dtype="float64")
    pred_days = np.clip(np.asarray(regressor.predict(test[names]), dtype="float64"), 0, None)
    train_mean = float(reg_rows["days_late"].mean())
    debtor_mean = debtor_mean_baseline(test, train_mean)
    metrics = evaluate(y_late, p_late, y_days, pred_days)
    metrics |= {
        "baseline_mae_days": float(mean_absolute_error(y_days, np.zeros_like(y_days))),
        "baseline_debtor_mean_mae_days": float(mean_absolute_error(y_days, debtor_mean)),
        "baseline_prior_auc": _auc_or_nan(y_late, test["hist_share_late"].fillna(-1).to_numpy()),
        "baseline_accuracy": float(np.mean(y_late == float(train["paid_late"].mean() >= 0.5))),
        "train_late_share": float(train["paid_late"].mean()),
        "test_late_share": float(y_late.mean()),
        "n_train": float(len(train)),
        "n_train_invoices": float(train["invoice_id"].nunique()),
        "n_train_regression": float(len(reg_rows)),
        "n_test": float(len(test)),
        "best_rounds_classifier": float(classifier.current_iteration()),
        "best_rounds_regressor": float(regressor.current_iteration()),
    }
    predictions = pd.DataFrame(
        {
            "invoice_id": test["invoice_id"].to_numpy(),
            "issue_ts": test["issue_ts"].to_numpy(),
            "paid_late": y_late,
            "days_late": y_days,
            "p_late": p_late,
            "pred_days_late": pred_days,
            "baseline_debtor_mean": debtor_mean,
        }
    )
    importance = pd.DataFrame(
        {
            "feature": names,
            "gain_classifier": classifier.feature_importance("gain"),
            "gain_regressor": regressor.feature_importance("gain"),
        }
    ).sort_values("gain_classifier", ascending=False)
    params = {f"clf_{k}": v for k, v in _params(cfg, "binary").items()}
    params |= {f"reg_{k}": v for k, v in _params(cfg, cfg.regression_objective).items()}
    params |= asdict(cfg) | {"test_from": test_from.isoformat()}
    for prefix, booster in (("clf", classifier), ("reg", regressor)):  # what the folds chose
        params |= {f"{prefix}_chosen_{k}": booster.params[k] for k in _complexity((0, 0, 0.0))}
    return PaymentTimeResult(
        classifier, regressor, names, metrics, predictions, importance, cfg, params
    )


def _auc_or_nan(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan")
