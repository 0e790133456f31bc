"""The champion the day is decided with, pinned to one registry version on the driver.

The alias (``DUNFLOW_POLICY_MODEL_NAME``@``DUNFLOW_POLICY_MODEL_ALIAS``, the API's settings) is
resolved once, so every bucket of the day uses the same version even if the alias moves while
the batch runs; that version is part of every recommendation id. The champion is a per-day
policy (:class:`policy.pyfunc.DunningPolicy`) or a plan champion
(:class:`policy.plan_pyfunc.PlanDunningPolicy`, whose plans in force each bucket reads from the
exported decision log); anything else is refused. A plan champion that reads the payment-time
model's column gets the model the API would ask (:func:`days_late_for`), pinned once too.
"""

from features.plan_state import DaysLatePredictor
from policy.decision_path import Pinned
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api.model_loader import RegistryLoader, tracking_uri
from serving.api.payment_time import PaymentTimeSource, reads_days_late
from serving.api.settings import ApiSettings


def load_champion(settings: ApiSettings | None = None) -> Pinned:
    settings = settings or ApiSettings()
    loaded = RegistryLoader(
        settings.policy_model_name, settings.policy_model_alias, tracking_uri(settings)
    ).load()
    if not isinstance(loaded.model, (DunningPolicy, PlanDunningPolicy)):
        raise ValueError(
            f"{loaded.version} is a {type(loaded.model).__name__}: the batch engine decides with "
            "a dunning policy (per-day or plan) only"
        )
    return Pinned(loaded.model, loaded.version)


def days_late_for(pinned: Pinned | None) -> DaysLatePredictor | None:
    """The configured payment-time model, loaded once for the run, when ``pinned`` is a plan
    champion that reads its column (None otherwise, or when there is none: the column is NaN,
    as in the API)."""
    if pinned is None or not reads_days_late(pinned.policy):
        return None
    return PaymentTimeSource.configured().predictor()
