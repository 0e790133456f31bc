"""The two claims the simulator must show, measured by replay on one moderately sized world."""

import pytest

from simulator.config import SimConfig
from simulator.registry import fixed_policy_names
from simulator.replay import replay

# its tests share a module-scoped fixture: one worker builds it once
pytestmark = pytest.mark.xdist_group("replay")

WORLD = SimConfig(n_debtors=2000, days=240)
SEED = 11
EXTRA_CADENCES = [
    f"fixed:{a}/{d}d"
    for a in ("phone/neutral", "phone/friendly", "letter/firm", "sms/firm", "email/firm")
    for d in (3, 21)
]


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, float]]:
    names = ["ladder", "random", "oracle", *fixed_policy_names(7)]
    names += [*fixed_policy_names(14), *EXTRA_CADENCES]
    return replay(names, seed=SEED, config=WORLD)  # type: ignore[return-value]


@pytest.mark.slow
def test_oracle_beats_the_ladder_clearly_on_dso_and_cost(
    results: dict[str, dict[str, float]],
) -> None:
    oracle, ladder = results["oracle"], results["ladder"]
    assert oracle["dso_days"] < 0.8 * ladder["dso_days"]
    assert oracle["cost_per_euro_collected"] < 0.95 * ladder["cost_per_euro_collected"]
    assert oracle["net_value"] > 1.1 * ladder["net_value"]
    assert oracle["complaints_per_1000_debtors"] <= ladder["complaints_per_1000_debtors"] * 1.1


@pytest.mark.slow
def test_best_single_fixed_action_reaches_at_most_85_percent_of_the_oracle(
    results: dict[str, dict[str, float]],
) -> None:
    fixed = {k: v["net_value"] for k, v in results.items() if k.startswith("fixed:")}
    assert len(fixed) == 40
    best = max(fixed, key=fixed.__getitem__)
    assert fixed[best] <= 0.85 * results["oracle"]["net_value"], best


def test_same_world_for_every_policy() -> None:
    cfg = SimConfig(n_debtors=200, days=60)
    a = replay(["ladder", "ladder"], seed=3, config=cfg)
    b = replay(["ladder"], seed=4, config=cfg)
    assert a["ladder"] == replay(["ladder"], seed=3, config=cfg)["ladder"]
    assert a["ladder"]["net_value"] != b["ladder"]["net_value"]
    assert set(a["ladder"]) >= {
        "dso_days",
        "collected_30d",
        "collected_60d",
        "collected_90d",
        "contacts_per_invoice",
        "cost_per_euro_collected",
        "complaints_per_1000_debtors",
        "disputes",
        "net_value",
    }
