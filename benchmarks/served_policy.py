"""What both service benchmarks serve: a policy with small LightGBM outcome models, registered in a
private MLflow store as ``dunning-policy@champion``.

The boosters are trained on the ledger's own live feature rows with *synthetic* labels (latency
does not depend on what was learned; their size does, so it is stated with the results:
:data:`PAY_TREES`, :data:`COMPLAINT_TREES`, :data:`LEAVES`). Not a ``bench_*`` script itself.
"""

import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from features import load_frames
from features.specs import FEATURES
from ledger import migrate
from ledger.db import make_engine
from ledger.tables import Creditor, Debtor, Invoice
from policy.decide import candidate_rows
from policy.model import OutcomeModels
from policy.pyfunc import DunningPolicy
from serving.api.security import create_api_key
from serving.api.snapshots import FeatureSnapshots
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger

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
    """Version 1 of :data:`NAME` in a private store at ``uri``, aliased ``champion``."""
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
    version = log_version(policy, tmp / "policy")
    MlflowClient().set_registered_model_alias(NAME, "champion", version)
    return version


def log_version(policy: DunningPolicy, folder: Path) -> str:
    """One more registered version of :data:`NAME` in the current experiment."""
    import mlflow

    saved = policy.save_artifacts(folder)
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=ServedPolicy(None, policy.weights, policy.exploration),
            artifacts={"policy": str(saved)},
            registered_model_name=NAME,
        )
    return str(info.registered_model_version)


@dataclass
class BenchLedger:
    """A simulated SQLite ledger, its largest creditor's open debtors, a key and a policy."""

    db: str
    engine: Engine
    creditor_name: str
    now: datetime
    base: pd.DataFrame  # the live feature snapshot the policy was trained on
    ids: list[int]
    key: str
    debtors_in_ledger: int
    policy: DunningPolicy


def bench_ledger(tmp: Path, debtors: int, days: int, seed: int, label: str) -> BenchLedger:
    db = f"sqlite:///{tmp / 'ledger.db'}"
    migrate.upgrade(db)
    engine = make_engine(db)
    simulate_to_ledger(engine, seed, SimConfig(n_debtors=debtors, days=days), tmp / "t.pq")
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        open_rows = session.exec(
            select(Invoice.creditor_id, Invoice.debtor_id)
            .where(col(Invoice.open_amount_cents) > 0)
            .distinct()
        ).all()
        by_creditor: dict[int, list[int]] = {}
        for c, d in open_rows:
            by_creditor.setdefault(c, []).append(d)
        creditor_id = max(by_creditor, key=lambda c: len(by_creditor[c]))
        creditor = session.get(Creditor, creditor_id)
        assert creditor is not None
        n_debtors = len(session.exec(select(Debtor.id)).all())
        key = create_api_key(session, creditor_id=creditor_id, label=label)
        session.commit()
    base = FeatureSnapshots.build(load_frames(engine, creditor.name), pd.Timestamp(now))
    policy = DunningPolicy(train(base, now, np.random.default_rng(seed)))
    ids = sorted(by_creditor[creditor_id])
    return BenchLedger(db, engine, creditor.name, now, base, ids, key, n_debtors, policy)
