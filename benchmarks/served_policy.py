"""What both service benchmarks serve: a policy with small LightGBM outcome models, registered in a
private MLflow store as ``dunning-policy@champion``.

The boosters are trained on the ledger's own live feature rows with *synthetic* labels (latency
does not depend on what was learned; their size does, so it is stated with the results:
:data:`PAY_TREES`, :data:`COMPLAINT_TREES`, :data:`LEAVES`). Not a ``bench_*`` script itself.
"""

import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.specs import FEATURES
from policy.decide import candidate_rows
from policy.model import OutcomeModels
from policy.pyfunc import DunningPolicy

NAME = "dunning-policy"
PAY_TREES, COMPLAINT_TREES, LEAVES = 100, 70, 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedPolicy(DunningPolicy):
    """The policy as ``mlflow models serve`` must see it: JSON has no categorical dtype, so the
    categorical feature columns are typed back, null-only columns made float, before scoring
    (pickled by value with the model)."""

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
        from features.specs import REGISTRY

        frame = model_input.copy()
        for name in frame.columns:
            spec = REGISTRY.get(name)
            if spec is not None and spec.dtype == "category":
                frame[name] = pd.Categorical(frame[name], categories=list(spec.categories))
            elif frame[name].dtype == object:  # a column of nulls arrives untyped
                frame[name] = frame[name].astype("float64")
        return super().predict(context, frame, params)


def train(base: pd.DataFrame, now: datetime, rng: np.random.Generator) -> OutcomeModels:
    """Tiny boosters on the ledger's own feature rows, random candidates, synthetic labels."""
    n = len(base)
    cands = pd.DataFrame(
        {
            "debtor_id": base.index.to_numpy(),
            "channel": rng.choice(["none", "email", "sms", "letter", "phone", "robocall"], n),
            "tone": rng.choice(["friendly", "neutral", "firm"], n),
            "send_at": pd.Timestamp(now) + pd.to_timedelta(rng.integers(0, 96, n), unit="h"),
            "cost_cents": 0,
            "open_cents": 10_000,
        }
    )
    rows = candidate_rows(base, cands)
    names = [s.name for s in FEATURES]
    late = rows["hist_share_late"].fillna(0.5).to_numpy() > 0.5
    ch = rows["cand_channel"].astype(str).to_numpy()
    p = np.where(late & (ch == "sms"), 0.6, np.where(~late & (ch == "email"), 0.6, 0.1))
    params = {"objective": "binary", "verbose": -1, "num_leaves": LEAVES, "min_data_in_leaf": 20}
    pay = lgb.train(params, lgb.Dataset(rows[names], (rng.random(n) < p).astype(int)), PAY_TREES)
    complaint = lgb.train(
        params, lgb.Dataset(rows[names], (rng.random(n) < 0.05).astype(int)), COMPLAINT_TREES
    )
    return OutcomeModels(pay=pay, complaint=complaint, feature_names=names, info={"synthetic": 1})


def register(policy: DunningPolicy, tmp: Path, uri: str) -> str:
    import cloudpickle
    import mlflow
    from mlflow import MlflowClient

    # `mlflow models serve` cannot import this module (benchmarks/ is not a package): ship the
    # ServedPolicy class inside the pickle
    cloudpickle.register_pickle_by_value(sys.modules[__name__])

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    exp = mlflow.create_experiment("bench-api", artifact_location=(tmp / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=exp)
    folder = policy.save_artifacts(tmp / "policy")
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=ServedPolicy(None, policy.weights, policy.exploration),
            artifacts={"policy": str(folder)},
            registered_model_name=NAME,
        )
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(NAME, "champion", version)
    return version
