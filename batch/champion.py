"""The champion the day is decided with, pinned to one registry version on the driver.

The alias (``DUNFLOW_POLICY_MODEL_NAME``@``DUNFLOW_POLICY_MODEL_ALIAS``, the API's settings) is
resolved once, so every bucket of the day uses the same version even if the alias moves while
the batch runs; that version is part of every recommendation id. The champion is a per-day
policy (:class:`policy.pyfunc.DunningPolicy`) or a plan champion
(:class:`policy.plan_pyfunc.PlanDunningPolicy`, whose plans in force each bucket reads from the
exported decision log); anything else is refused.
"""

from policy.decision_path import Pinned
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api.model_loader import RegistryLoader, tracking_uri
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
