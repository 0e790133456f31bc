"""The registered payment-time model as the plan state's days-late predictor in serving.

A plan model that reads ``features.plan_state.EXPECTED_DAYS_LATE`` gets it in the day's snapshot
(:class:`serving.api.snapshots.FeatureSnapshots`, once per creditor, day and plan model version)
from the payment-time model this deployment names (``DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI``, the
one the cash forecast uses, e.g. ``models:/payment-time@champion``). :class:`PaymentTimeSource`
loads it once per process and again only when the alias names another version; asking which
version costs a registry query, so it is asked when a snapshot is built, never per request.
Nothing configured, nothing registered or a model that does not load: no predictor, the column is
NaN and every answer is still given (a warning says why, once per reason). Serving uses the full
registered model, while training computes the column out of fold (``training.plan_days_late``):
the usual stacking, so neither the learner nor the live answer sees a prediction fitted on the
debtor's own labels where it matters (training), and live answers use all there is to know.
It never decides and never writes.
"""

import logging
import threading
from functools import lru_cache

from features.plan_state import EXPECTED_DAYS_LATE, DaysLatePredictor, ModelDaysLate
from policy.plan_pyfunc import PlanDunningPolicy

log = logging.getLogger(__name__)


def reads_days_late(policy: object) -> bool:
    """Whether ``policy`` is a plan model that reads the column (one saved before it, the
    plan-logging policy or a per-day policy does not: the registry is not asked for them)."""
    model = policy.model if isinstance(policy, PlanDunningPolicy) else None
    return model is not None and EXPECTED_DAYS_LATE in model.state_features


class PaymentTimeSource:
    """``predictor()``: the named payment-time model's days late per feature row, or None."""

    def __init__(self, model_uri: str) -> None:
        self.model_uri = model_uri
        self._lock = threading.Lock()
        # (registry, version label, predictor): a label names a version within one registry
        self._loaded: tuple[str, str, DaysLatePredictor] | None = None
        self._warned: str | None = None

    @classmethod
    def configured(cls) -> "PaymentTimeSource":
        """The source of the deployment's setting (empty: never a model), one per process and
        URI: every snapshot cache of the process shares the model it loaded."""
        from serving.reports.settings import get_reports_settings

        return _shared(get_reports_settings().payment_time_model_uri)

    @property
    def version(self) -> str | None:
        """The version loaded last (e.g. ``payment-time/3``; None: none)."""
        return None if self._loaded is None else self._loaded[1]

    def predictor(self) -> DaysLatePredictor | None:
        """The model the URI names now (loaded when it names another version than the one
        held); None when there is none to load."""
        if not self.model_uri:
            return None
        with self._lock:
            try:
                self._loaded = self._current()
            except Exception as err:  # no model registered or loadable: the column is NaN
                reason = f"payment-time model {self.model_uri} not loadable: {err}"
                if reason != self._warned:
                    log.warning("%s; the plan state's expected days late are NaN", reason)
                    self._warned = reason
                self._loaded = None
                return None
            return self._loaded[2]

    def _current(self) -> tuple[str, str, DaysLatePredictor]:
        import mlflow

        from serving.reports.forecast import registry_version

        exact, label = registry_version(self.model_uri)
        registry = mlflow.get_registry_uri()
        if self._loaded is not None and self._loaded[:2] == (registry, label):
            return self._loaded
        return registry, label, ModelDaysLate(mlflow.pyfunc.load_model(exact))


@lru_cache(maxsize=4)
def _shared(model_uri: str) -> PaymentTimeSource:
    return PaymentTimeSource(model_uri)
