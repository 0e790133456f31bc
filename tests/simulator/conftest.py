"""Small simulated worlds shared by the simulator tests (module-scoped: they are pure data)."""

import pytest

from simulator.config import SimConfig
from simulator.history import History, simulate_history

SMALL = SimConfig(n_debtors=300, days=120)


@pytest.fixture(scope="module")
def history() -> History:
    return simulate_history(5, SMALL)
