"""The champion the day is decided with, pinned to one registry version on the driver.

The alias (``DUNFLOW_POLICY_MODEL_NAME``@``DUNFLOW_POLICY_MODEL_ALIAS``, the API's settings) is
resolved once, so every bucket of the day uses the same version even if the alias moves while
the batch runs; that version is part of every recommendation id. A plan champion
(:class:`policy.plan_pyfunc.PlanDunningPolicy`) is served by the scoring API and the scheduler,
not yet by the batch engine (it would need the plans in force per bucket): it is refused here with
that reason rather than decided with the wrong path.
"""

from policy.decision_path import Pinned
from policy.pyfunc import DunningPolicy
from serving.api.model_loader import RegistryLoader, tracking_uri
from serving.api.settings import ApiSettings


def load_champion(settings: ApiSettings | None = None) -> Pinned:
    settings = settings or ApiSettings()
    loaded = RegistryLoader(
        settings.policy_model_name, settings.policy_model_alias, tracking_uri(settings)
    ).load()
    if not isinstance(loaded.model, DunningPolicy):
        raise ValueError(
            f"{loaded.version} is a {type(loaded.model).__name__}: the batch engine decides with "
            "the per-day policy only; serve a plan champion with `dunflow serve` and the scheduler"
        )
    return Pinned(loaded.model, loaded.version)
