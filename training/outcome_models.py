"""Fitting the policy's outcome models: P(pay within horizon | x, a) and P(complaint | x, a).

Chronological only: the training period is split by decision day into a fit slice and a later
calibration slice (early stopping and isotonic calibration both use it); the hold-out (decisions on
or after ``test_from``) is touched only to report metrics. P(pay) is the expected share of the
amount at stake paid within the horizon (LightGBM ``cross_entropy`` on a label in [0, 1]); a
logistic regression on the same rows and labels is fitted beside it as the baseline.
"""

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from policy.model import Calibration, OutcomeModels
from training.policy_data import POLICY_FEATURES

EPS = 1e-6


@dataclass(frozen=True)
class OutcomeConfig:
    rounds: int = 400
    learning_rate: float = 0.03
    num_leaves: int = 15
    min_data_in_leaf: int = 100
    lambda_l2: float = 5.0
    patience: int = 150  # the calibration slice is noisy: stop only on a sustained rise
    calibration_share: float = 0.2
    seed: int = 0


@dataclass
class OutcomeFit:
    models: OutcomeModels
    metrics: dict[str, float] = field(default_factory=dict)
    test: pd.DataFrame = field(default_factory=pd.DataFrame)


def split_by_day(
    table: pd.DataFrame, test_from: pd.Timestamp, share: float
) -> tuple[pd.DataFrame, ...]:
    train = table[table["day"] < test_from]
    test = table[table["day"] >= test_from]
    days = np.sort(train["day"].unique())
    if len(days) < 10 or test.empty:
        raise ValueError(
            f"too little data around {test_from.date()}: {len(days)} training days,"
            f" {len(test)} test rows"
        )
    cut = days[int(len(days) * (1 - share))]
    return train[train["day"] < cut], train[train["day"] >= cut], test


def cross_entropy(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.mean() < 1 else float("nan")


def _booster(x: pd.DataFrame, y: np.ndarray, xv: pd.DataFrame, yv: np.ndarray, objective: str,
             cfg: OutcomeConfig) -> lgb.Booster:  # fmt: skip
    params = {
        "objective": objective,
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_data_in_leaf": cfg.min_data_in_leaf,
        "lambda_l2": cfg.lambda_l2,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.9,
        "bagging_freq": 1,
        "seed": cfg.seed,
        "deterministic": True,
        "num_threads": 2,
        "verbose": -1,
    }
    return lgb.train(
        params,
        lgb.Dataset(x, y),
        num_boost_round=cfg.rounds,
        valid_sets=[lgb.Dataset(xv, yv)],
        callbacks=[lgb.early_stopping(cfg.patience, verbose=False)],
    )


def _isotonic(p: np.ndarray, y: np.ndarray) -> Calibration:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y)
    return Calibration(tuple(map(float, iso.X_thresholds_)), tuple(map(float, iso.y_thresholds_)))


def _logistic_baseline(fit: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """Logistic regression on the fractional label (each row twice, weighted f and 1 − f)."""
    cats = [c for c in POLICY_FEATURES if isinstance(fit[c].dtype, pd.CategoricalDtype)]
    nums = [c for c in POLICY_FEATURES if c not in cats]
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                  StandardScaler()), nums),
            ("cat", OneHotEncoder(handle_unknown="ignore"), cats),
        ]
    )  # fmt: skip
    model = make_pipeline(prep, LogisticRegression(max_iter=400, C=0.5))
    y = fit["paid_frac"].to_numpy()
    x2 = pd.concat([fit[POLICY_FEATURES], fit[POLICY_FEATURES]], ignore_index=True)
    for c in nums:
        x2[c] = x2[c].astype("float64")
    y2 = np.r_[np.ones(len(fit)), np.zeros(len(fit))]
    w2 = np.r_[y, 1 - y] + 1e-9
    model.fit(x2, y2, logisticregression__sample_weight=w2)
    xt = test[POLICY_FEATURES].copy()
    for c in nums:
        xt[c] = xt[c].astype("float64")
    return np.asarray(model.predict_proba(xt)[:, 1], dtype=float)


def fit_outcome_models(
    table: pd.DataFrame, *, test_from: pd.Timestamp, horizon: int, config: OutcomeConfig
) -> OutcomeFit:
    fit, calib, test = split_by_day(table, test_from, config.calibration_share)
    x, xc = fit[POLICY_FEATURES], calib[POLICY_FEATURES]
    y, yc = (d["paid_frac"].to_numpy() for d in (fit, calib))
    pay = _booster(x, y, xc, yc, "cross_entropy", config)
    k, kc = (d["complaint"].to_numpy() for d in (fit, calib))
    complaint = _booster(x, k, xc, kc, "binary", config)
    models = OutcomeModels(
        pay=pay,
        complaint=complaint,
        feature_names=list(POLICY_FEATURES),
        pay_calibration=_isotonic(np.asarray(pay.predict(xc)), yc),
        complaint_calibration=_isotonic(np.asarray(complaint.predict(xc)), kc),
        horizon_days=horizon,
    )
    metrics, scored = holdout_metrics(models, fit, test)
    metrics |= {
        "n_calibration": float(len(calib)),
        "pay_rounds": float(pay.best_iteration or pay.current_iteration()),
        "complaint_rounds": float(complaint.best_iteration or complaint.current_iteration()),
    }
    return OutcomeFit(models=models, metrics=metrics, test=scored)


def holdout_metrics(
    models: OutcomeModels, fit: pd.DataFrame, test: pd.DataFrame
) -> tuple[dict[str, float], pd.DataFrame]:
    """``models`` scored on the held-out rows beside baselines fitted here on ``fit`` (the rows the
    models were fitted on, true labels): the logistic regression and the prior (the fit rows' mean).
    Computed from the models and the rows alone, so a gate can re-run it on any candidate."""
    y, k = fit["paid_frac"].to_numpy(), fit["complaint"].to_numpy()
    yt, kt = test["paid_frac"].to_numpy(), test["complaint"].to_numpy()
    p_pay, p_complaint = models.predict(test)
    base = _logistic_baseline(fit, test)
    prior = float(y.mean())
    paid_any = (yt > 0).astype(float)
    metrics = {
        "pay_logloss": cross_entropy(yt, p_pay),
        "pay_brier": float(np.mean((p_pay - yt) ** 2)),
        "pay_auc": _auc(paid_any, p_pay),
        "pay_baseline_logreg_logloss": cross_entropy(yt, base),
        "pay_baseline_logreg_brier": float(np.mean((base - yt) ** 2)),
        "pay_baseline_logreg_auc": _auc(paid_any, base),
        "pay_baseline_prior_logloss": cross_entropy(yt, np.full(len(yt), prior)),
        "complaint_logloss": cross_entropy(kt, p_complaint),
        "complaint_auc": _auc(kt, p_complaint),
        "complaint_baseline_prior_logloss": cross_entropy(kt, np.full(len(kt), k.mean())),
        "n_fit": float(len(fit)),
        "n_test": float(len(test)),
    }
    scored = test.assign(p_pay=p_pay, p_complaint=p_complaint, p_pay_baseline=base)
    return metrics, scored
