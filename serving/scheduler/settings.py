"""Settings of the scheduler (``DUNFLOW_*``): where the scoring API is, which key each creditor
uses, when the daily cycle runs, how often the dispatcher looks, where CAMT files arrive.

Read through :func:`get_scheduler_settings` (cached; tests pass their own). API keys are secrets:
they live in the environment, never in the ledger. This module must never create an engine or
talk to the network.
"""

from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.settings import get_settings
from serving.api.schemas import MAX_DEBTORS_PER_CALL

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUNFLOW_", extra="ignore")

    api_url: str = Field(default="http://127.0.0.1:8000", description="Scoring API base URL.")
    api_key: SecretStr = Field(
        default=SecretStr(""), description="API key used for every creditor without its own."
    )
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='JSON {"creditor name": "key"}: one key per creditor (tenancy).',
    )
    api_timeout_s: float = Field(default=120.0, gt=0, description="Timeout of one API call.")
    cycle_time: time = Field(default=time(8, 30), description="Local time of the daily cycle.")
    cycle_weekdays: str = Field(
        default="mon-fri", description="APScheduler cron day_of_week of the daily cycle."
    )
    batch_size: int = Field(
        default=500, ge=1, le=MAX_DEBTORS_PER_CALL, description="Debtors per API call."
    )
    api_parallel: int = Field(
        default=2, ge=1, le=16, description="API calls in flight at once (the API's workers)."
    )
    dispatch_interval_s: float = Field(default=30.0, gt=0, description="Dispatcher period.")
    dispatch_lease_s: float = Field(default=120.0, gt=0, description="Claim lease.")
    watch_dir: Path = Field(
        default_factory=lambda: get_settings().data_dir / "camt_inbox",
        description="Folder watched for CAMT.053 files (done/ and failed/ beneath it).",
    )
    watch_interval_s: float = Field(default=60.0, gt=0, description="CAMT watch period.")
    promise_grace_days: int = Field(default=3, ge=0, description="Quiet days after a promise.")

    @field_validator("cycle_weekdays")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        for part in value.lower().replace("-", ",").split(","):
            if part.strip() not in WEEKDAY_NAMES:
                raise ValueError(f"{part!r} is not one of {', '.join(WEEKDAY_NAMES)}")
        return value.lower()

    def key_for(self, creditor_name: str) -> str:
        """The creditor's own key, else the shared one; a clear error when neither is set."""
        own = self.api_keys.get(creditor_name)
        key = own.get_secret_value() if own else self.api_key.get_secret_value()
        if not key:
            raise LookupError(
                f"no API key for creditor {creditor_name!r}: set DUNFLOW_API_KEYS "
                '(JSON {"name": "key"}) or DUNFLOW_API_KEY'
            )
        return key

    def runs_on(self, weekday: int) -> bool:
        """Whether the cycle runs on ``weekday`` (Monday = 0) under ``cycle_weekdays``."""
        days: set[int] = set()
        for part in self.cycle_weekdays.split(","):
            lo, _, hi = part.strip().partition("-")
            a = WEEKDAY_NAMES.index(lo)
            b = WEEKDAY_NAMES.index(hi) if hi else a
            days.update(range(a, b + 1))
        return weekday in days


@lru_cache
def get_scheduler_settings() -> SchedulerSettings:
    return SchedulerSettings()
