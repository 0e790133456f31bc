"""The whole policy as an MLflow pyfunc model: outcome models + value weights + exploration.

``predict`` takes candidate feature rows (the debtor's features with the candidate's action
features laid over them, see :func:`policy.decide.candidate_rows`, plus ``open_cents``,
``cost_cents`` and ``days_until_send``) and returns P(pay), P(complaint) and the value of each.
That is what ``mlflow models serve`` exposes; the scoring API unwraps the same object and calls
:func:`policy.decide.decide` on it, so both serve one artifact.
"""

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel

from policy.choice import Exploration
from policy.model import OutcomeModels
from policy.value import ValueWeights, action_values

CONFIG_FILE = "policy.json"
EXTRA_COLUMNS = ("open_cents", "cost_cents", "days_until_send")


class DunningPolicy(PythonModel):
    def __init__(
        self,
        models: OutcomeModels | None = None,
        weights: ValueWeights | None = None,
        exploration: Exploration | None = None,
    ) -> None:
        self.models = models
        self.weights = weights or ValueWeights()
        self.exploration = exploration or Exploration()

    def load_context(self, context: Any) -> None:
        folder = Path(context.artifacts["policy"])
        self.models = OutcomeModels.load(folder)
        config = json.loads((folder / CONFIG_FILE).read_text())
        self.weights = ValueWeights(**config["weights"])
        self.exploration = Exploration(**config["exploration"])

    def save_artifacts(self, folder: Path) -> Path:
        if self.models is None:
            raise ValueError("no models to save")
        self.models.save(folder)
        config = {"weights": asdict(self.weights), "exploration": asdict(self.exploration)}
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
        return folder

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self.models is None:
            raise ValueError("policy model not loaded")
        p_pay, p_complaint = self.models.predict(model_input)
        value = action_values(
            open_cents=model_input["open_cents"].to_numpy(dtype=float),
            p_pay=p_pay,
            p_complaint=p_complaint,
            cost_cents=model_input["cost_cents"].to_numpy(dtype=float),
            days_until_send=model_input["days_until_send"].to_numpy(dtype=float),
            weights=self.weights,
        )
        return pd.DataFrame(
            {"p_pay": p_pay, "p_complaint": p_complaint, "value_cents": np.round(value, 2)}
        )
