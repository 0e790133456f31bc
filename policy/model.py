"""The outcome models the policy scores with: P(pay within horizon | x, a) and P(complaint | x, a).

Two LightGBM boosters over the same feature columns (the feature specs' names, action features
included), each with an isotonic calibration map fitted on a later time slice than the booster.
Saved as plain files (``pay.txt``, ``complaint.txt``, ``meta.json``) so the MLflow pyfunc, the
API and the replay all load the same thing. Predictions are batched: one call per batch of rows.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.specs import REGISTRY

META_FILE = "meta.json"


@dataclass(frozen=True)
class Calibration:
    """Isotonic map from raw to calibrated probability (empty: identity)."""

    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def apply(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        if not self.x:
            return p
        return np.asarray(np.interp(p, self.x, self.y), dtype=np.float64)


@dataclass
class OutcomeModels:
    pay: lgb.Booster
    complaint: lgb.Booster
    feature_names: list[str]
    pay_calibration: Calibration = field(default_factory=Calibration)
    complaint_calibration: Calibration = field(default_factory=Calibration)
    horizon_days: int = 14
    info: dict[str, Any] = field(default_factory=dict)

    def matrix(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The model's columns; categoricals sent as plain strings (JSON, MLflow) get the specs'
        fixed levels back, so a category means the same code in training and serving."""
        missing = [c for c in self.feature_names if c not in rows.columns]
        if missing:
            raise KeyError(f"feature rows lack {missing[:5]}")
        x = rows[self.feature_names]
        loose = [
            c
            for c in self.feature_names
            if REGISTRY[c].dtype == "category" and not isinstance(x[c].dtype, pd.CategoricalDtype)
        ]
        # JSON turns an all-missing numeric column into objects: numbers again, NaN for missing
        untyped = [c for c in self.feature_names if c not in loose and x[c].dtype == object]
        if loose or untyped:
            x = x.copy()
            for c in loose:  # LightGBM maps the levels back to the training codes itself
                levels = list(REGISTRY[c].categories) or None
                x[c] = pd.Categorical(x[c].astype("str"), categories=levels)
            for c in untyped:
                x[c] = pd.to_numeric(x[c], errors="coerce").astype("float64")
        return x

    def predict(self, rows: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Calibrated P(pay) and P(complaint) for each row."""
        x = self.matrix(rows)
        p_pay = np.asarray(self.pay.predict(x), dtype=np.float64)
        p_complaint = np.asarray(self.complaint.predict(x), dtype=np.float64)
        return self.pay_calibration.apply(p_pay), self.complaint_calibration.apply(p_complaint)

    def pay_contributions(self, rows: pd.DataFrame) -> NDArray[np.float64]:
        """SHAP values (log-odds) of P(pay) per row: one column per feature, then the base value."""
        return np.asarray(self.pay.predict(self.matrix(rows), pred_contrib=True), dtype=np.float64)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.pay.save_model(str(folder / "pay.txt"))
        self.complaint.save_model(str(folder / "complaint.txt"))
        meta = {
            "feature_names": self.feature_names,
            "pay_calibration": [list(self.pay_calibration.x), list(self.pay_calibration.y)],
            "complaint_calibration": [
                list(self.complaint_calibration.x),
                list(self.complaint_calibration.y),
            ],
            "horizon_days": self.horizon_days,
            "info": self.info,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, folder: Path) -> "OutcomeModels":
        meta = json.loads((folder / META_FILE).read_text())
        unknown = [n for n in meta["feature_names"] if n not in REGISTRY]
        if unknown:
            raise ValueError(f"model uses features this code does not know: {unknown[:5]}")
        return cls(
            pay=lgb.Booster(model_file=str(folder / "pay.txt")),
            complaint=lgb.Booster(model_file=str(folder / "complaint.txt")),
            feature_names=list(meta["feature_names"]),
            pay_calibration=Calibration(*map(tuple, meta["pay_calibration"])),
            complaint_calibration=Calibration(*map(tuple, meta["complaint_calibration"])),
            horizon_days=int(meta["horizon_days"]),
            info=dict(meta.get("info", {})),
        )
