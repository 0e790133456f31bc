"""Settings of the reports (``DUNFLOW_REPORTS_*``): the link secret, link lifetime, inputs.

Never instantiate at import time; call :func:`get_reports_settings` (tests clear its cache or pass
their own :class:`ReportsSettings`). The secret lives in the environment, never in the ledger.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReportsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUNFLOW_REPORTS_", extra="ignore")

    secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC key for signed report links (empty: signed links are refused).",
    )
    link_ttl_seconds: int = Field(
        default=7 * 24 * 3600, ge=60, description="Lifetime of a signed link made by the API."
    )
    flow_effect_path: Path | None = Field(
        default=None,
        description="JSON with the learned flow's measured effect against the ladder (replay).",
    )
    payment_time_model_uri: str = Field(
        default="",
        description="MLflow pyfunc URI of the payment-time model, e.g. "
        "models:/payment-time@champion, for the cash forecast and the plan state's expected "
        "days late (empty: the baseline forecaster from each debtor's mean days late, and NaN "
        "days late).",
    )


@lru_cache
def get_reports_settings() -> ReportsSettings:
    return ReportsSettings()
