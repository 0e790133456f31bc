"""Small simulated worlds shared by the simulator tests (module-scoped: they are pure data), and
a private data folder for the baselines' cache."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.settings import get_settings
from simulator.config import SimConfig
from simulator.history import History, simulate_history

SMALL = SimConfig(n_debtors=300, days=120)


@pytest.fixture(scope="module")
def history() -> History:
    return simulate_history(5, SMALL)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``DUNFLOW_DATA_DIR`` (where the plan sums and planner rows are cached) under tmp_path."""
    monkeypatch.setenv("DUNFLOW_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
