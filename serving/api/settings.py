"""Settings of the scoring API (``DUNFLOW_API_*`` and friends).

``OMP_NUM_THREADS`` is not one of them and need not be set for ``dunflow serve``: every LightGBM
call of an answer asks for one thread below 4,096 rows (:mod:`policy.lgb_threads`), so OpenMP's
pool is woken only for large batches, where it pays (measured on the bench ledger: 3.14-3.30 ms
of server CPU per per-day answer without it against 3.16-3.41 ms with it, a plan champion's
15.9 against 15.8 ms).
"""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from serving.api.schemas import MAX_DEBTORS_PER_CALL


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUNFLOW_", extra="ignore")

    mlflow_tracking_uri: str = Field(
        default="", description="MLflow store (MLFLOW_TRACKING_URI wins); empty: mlruns/mlflow.db."
    )
    policy_model_name: str = Field(
        default="dunning-policy", description="Registered MLflow model the API serves."
    )
    policy_model_alias: str = Field(default="champion", description="Registry alias to follow.")
    model_poll_seconds: float = Field(
        default=30.0, ge=0, description="How often to check whether the alias moved (0: never)."
    )
    # a lower bound per deployment; above the schema's own limit it could never take effect
    max_debtors_per_call: int = Field(default=MAX_DEBTORS_PER_CALL, ge=1, le=MAX_DEBTORS_PER_CALL)
    # an idle kept-alive connection must be closed by the client, never by the server: a server
    # closing it while the client starts a request on it makes that request fail (ReadError), so
    # clients and load balancers keep connections idle for less than this (uvicorn's default is 5 s)
    keep_alive_s: int = Field(
        default=75,
        ge=1,
        description="Seconds the API keeps an idle HTTP connection open; clients must reuse a "
        "connection only while it has been idle for less.",
    )
    seed: int | None = Field(
        default=None,
        description="Salt of the exploration draws, which are keyed by (salt, model version, the "
        "creditor's day, debtor); unset: 0.",
    )


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
