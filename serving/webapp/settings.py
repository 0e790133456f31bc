"""Settings of the web app (``DUNFLOW_WEBAPP_*``): the session key, cookie flags, log-in limits.

Never instantiate at import time; call :func:`get_webapp_settings` (tests pass their own). The
session key signs the session cookie; every API worker must use the same one, so when it is not
set it is generated once into ``<data dir>/webapp_session.key`` and read from there by all.
"""

import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.settings import get_settings

KEY_FILE = "webapp_session.key"


class WebappSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUNFLOW_WEBAPP_", extra="ignore")

    session_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key signing the session cookie (empty: generated once into the data dir).",
    )
    secure_cookie: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set it in production)."
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Session lifetime.")
    login_limit: int = Field(
        default=5, ge=1, le=1000, description="Failed log-ins per e-mail and IP before a 429."
    )
    login_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="The window the failed log-ins are counted in."
    )
    today: date | None = Field(
        default=None,
        description="Pin the app's day (demos, screenshots, tests); unset: today in the "
        "creditor's time zone.",
    )
    page_size: int = Field(default=25, ge=5, le=500, description="Rows per page of a list.")


@lru_cache
def get_webapp_settings() -> WebappSettings:
    return WebappSettings()


def session_key(settings: WebappSettings, data_dir: Path | None = None) -> str:
    """The configured key, else the one in the data dir (made on first use; the first writer
    wins, so workers starting together agree)."""
    configured = settings.session_key.get_secret_value()
    if configured:
        return configured
    folder = data_dir or get_settings().data_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
