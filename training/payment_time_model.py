"""The registered form of the payment-time model: one MLflow pyfunc holding both boosters.

``predict(features)`` takes rows of :func:`features.build.build_features` (any extra columns are
ignored) and returns ``p_late`` and ``days_late``. The boosters are LightGBM text files (portable,
diffable); categorical levels travel inside them. Loading needs lightgbm and pandas only.
"""

from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel

CLASSIFIER_FILE = "classifier.txt"
REGRESSOR_FILE = "regressor.txt"


class PaymentTimeModel(PythonModel):
    """P(paid late) and expected days late for feature rows."""

    def __init__(self, features: list[str]) -> None:
        self.features = features
        self._classifier: lgb.Booster | None = None
        self._regressor: lgb.Booster | None = None

    def load_context(self, context: Any) -> None:
        self._classifier = lgb.Booster(model_file=context.artifacts["classifier"])
        self._regressor = lgb.Booster(model_file=context.artifacts["regressor"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self._classifier is None or self._regressor is None:
            self.load_context(context)
        classifier, regressor = self._classifier, self._regressor
        if classifier is None or regressor is None:  # pragma: no cover - load_context failed
            raise RuntimeError("payment-time boosters are not loaded")
        x = model_input[self.features]
        return pd.DataFrame(
            {
                "p_late": np.asarray(classifier.predict(x), dtype="float64"),
                "days_late": np.asarray(regressor.predict(x), dtype="float64").clip(min=0),
            },
            index=model_input.index,
        )


def save_boosters(classifier: lgb.Booster, regressor: lgb.Booster, folder: Path) -> dict[str, str]:
    """Write both boosters as text; returns the artifacts mapping for ``log_model``."""
    folder.mkdir(parents=True, exist_ok=True)
    classifier.save_model(str(folder / CLASSIFIER_FILE))
    regressor.save_model(str(folder / REGRESSOR_FILE))
    return {
        "classifier": str(folder / CLASSIFIER_FILE),
        "regressor": str(folder / REGRESSOR_FILE),
    }
