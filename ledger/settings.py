"""Ledger settings, read from ``DUNFLOW_*`` environment variables.

Never instantiate at import time; call :func:`get_settings` (tests clear its cache).
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shown_path(path: Path) -> Path:
    """``path`` as a report should record it: relative to the project when inside it, so a
    result file written in one checkout names the same file in every other."""
    resolved = path.resolve()
    return resolved.relative_to(PROJECT_ROOT) if resolved.is_relative_to(PROJECT_ROOT) else path


class LedgerSettings(BaseSettings):
    """Where the ledger lives."""

    model_config = SettingsConfigDict(env_prefix="DUNFLOW_", extra="ignore")

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder for generated data (SQLite file, processed features, outboxes).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the ledger; empty means a SQLite file data/dunflow.db.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'dunflow.db'}"


@lru_cache
def get_settings() -> LedgerSettings:
    return LedgerSettings()
