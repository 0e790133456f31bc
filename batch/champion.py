"""The champion the day is decided with, pinned to one registry version on the driver.

The alias (``DUNFLOW_POLICY_MODEL_NAME``@``DUNFLOW_POLICY_MODEL_ALIAS``, the API's settings) is
resolved once, so every bucket of the day uses the same version even if the alias moves while
the batch runs; that version is part of every recommendation id.
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
    assert isinstance(loaded.model, DunningPolicy)
    return Pinned(loaded.model, loaded.version)
