"""Settings of the senders, read from ``DUNFLOW_*`` environment variables.

Never instantiate at import time; call :func:`get_sender_settings` (tests clear its cache or pass
their own :class:`SenderSettings`). Secrets live here, in the environment, never in the ledger's
per-creditor ``sender_config``.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.settings import get_settings


class SenderSettings(BaseSettings):
    """Where messages go: the SMTP server, the SMS/robocall webhook and the outbox folder."""

    model_config = SettingsConfigDict(env_prefix="DUNFLOW_", extra="ignore")

    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for e-mail.")
    smtp_port: int = Field(default=8025, ge=1, le=65535, description="SMTP port.")
    smtp_from: str = Field(
        default="dunflow@localhost",
        description="Envelope and From address; the creditor's name is the display name.",
    )
    smtp_user: str = Field(default="", description="SMTP login (empty: no login).")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS.")
    smtp_timeout_s: float = Field(default=10.0, gt=0, description="SMTP socket timeout.")
    outbox_dir: Path = Field(
        default_factory=lambda: get_settings().data_dir / "outbox",
        description="Letters, call lists, the SMS sink; default $DUNFLOW_DATA_DIR/outbox.",
    )
    sms_webhook_url: str = Field(
        default="", description="HTTP provider for SMS and robocalls (JSON, HMAC-signed)."
    )
    sms_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Shared secret for the webhook signature and the delivery-status callback.",
    )
    sms_webhook_timeout_s: float = Field(default=10.0, gt=0, description="Webhook timeout.")
    delivery_callback_url: str = Field(
        default="",
        description="Public URL of POST /v1/delivery-status, passed to the provider.",
    )
    template_dir: Path | None = Field(
        default=None, description="Folder whose templates override the built-in ones."
    )


@lru_cache
def get_sender_settings() -> SenderSettings:
    return SenderSettings()
