"""The README documents every setting: each ``DUNFLOW_*`` variable a settings class reads."""

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from ledger.settings import LedgerSettings
from serving.api.settings import ApiSettings
from serving.reports.settings import ReportsSettings
from serving.scheduler.settings import SchedulerSettings
from serving.senders.settings import SenderSettings
from serving.webapp.settings import WebappSettings
from training.tracking import TrainingSettings

README = Path(__file__).resolve().parents[1] / "README.md"
CLASSES: list[type[BaseSettings]] = [
    LedgerSettings,
    ApiSettings,
    ReportsSettings,
    SchedulerSettings,
    SenderSettings,
    TrainingSettings,
    WebappSettings,
]


def _variables(cls: type[BaseSettings]) -> list[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    return [f"{prefix}{name}".upper() for name in cls.model_fields]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_setting_is_in_the_readme(cls: type[BaseSettings]) -> None:
    text = README.read_text()
    missing = [v for v in _variables(cls) if f"`{v}`" not in text]
    assert not missing, f"README.md does not document {missing}"


def test_the_readme_opens_with_the_two_commands() -> None:
    head = README.read_text()[:600]
    assert "make demo" in head
    assert "make test" in head
