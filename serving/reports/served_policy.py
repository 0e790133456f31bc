"""The policy that forecasts next week's reminders in every digest: the champion the API serves.

The web app's Overview, the API's digest, the scheduler's e-mailed digest and ``dunflow report
weekly`` all forecast with :func:`forecast_policy`: the served model (a per-day
:class:`~policy.pyfunc.DunningPolicy` or a plan champion,
:class:`~policy.plan_pyfunc.PlanDunningPolicy`) with its features as the scoring API reads them
(:class:`~serving.api.snapshots.FeatureSnapshots`), or ``None``, the fixed ladder, when no learned
model is loaded. The API and the web app hand it the model the API serves now; a process without
one (the scheduler, the CLI) asks :func:`champion_policy`, which loads the same registry alias
the API follows (``DUNFLOW_API_POLICY_MODEL_*``) once per process and follows it when it moves.
This module loads and reads; it never decides or writes.
"""

import threading
from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Engine

from policy.decision_path import FeatureRows, Pinned
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.snapshots import FeatureSnapshots
from serving.reports.reminder_forecast import ForecastPolicy

PolicyFor = Callable[[Engine, int, str], ForecastPolicy | None]  # (engine, creditor id, name)


def forecast_policy(
    loaded: LoadedModel | None, snapshots: FeatureSnapshots, creditor_id: int, creditor_name: str
) -> ForecastPolicy | None:
    """The served model with its debtors' features, for the forecast; None: the ladder."""
    if loaded is None or not isinstance(loaded.model, (DunningPolicy, PlanDunningPolicy)):
        return None
    model = loaded.model
    pinned = Pinned(model, loaded.version)
    if not pinned.learned:
        return None
    if isinstance(model, PlanDunningPolicy):

        def plan_rows(ids: list[int], at: datetime) -> FeatureRows:
            if isinstance(model, PlanLoggingPolicy) and not model.reads_state:
                return pd.DataFrame()  # the plan-logging policy without evidence reads none
            return snapshots.plan_base(creditor_id, creditor_name, ids, at, model, pinned.version)

        return ForecastPolicy(pinned, plan_rows)
    models = model.models
    assert models is not None  # learned

    def encoded(ids: list[int], at: datetime) -> FeatureRows:
        return snapshots.encoded(creditor_id, creditor_name, ids, at, models, pinned.version)

    return ForecastPolicy(pinned, encoded)


class _Champion:
    """The registry's champion and feature snapshots, per process (made on first use)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store: ModelStore | None = None
        self._snapshots: FeatureSnapshots | None = None

    def policy(self, engine: Engine, creditor_id: int, creditor_name: str) -> ForecastPolicy | None:
        from serving.api.model_loader import registry_store

        with self._lock:
            if self._store is None:
                self._store = registry_store()
            self._store.reload()  # asks the registry which version first: cheap when unchanged
            if self._snapshots is None or self._snapshots.engine is not engine:
                self._snapshots = FeatureSnapshots(engine)
            snapshots = self._snapshots
        return forecast_policy(self._store.current, snapshots, creditor_id, creditor_name)


_CHAMPION = _Champion()


def champion_policy(engine: Engine, creditor_id: int, creditor_name: str) -> ForecastPolicy | None:
    """The champion the API follows, for a process that serves no model itself."""
    return _CHAMPION.policy(engine, creditor_id, creditor_name)
