"""Cold start: the new creditor's world file, and its debtors scored apart from the old creditors'
with the fixed plans' sums equal to what running the plans gives them."""

from dataclasses import replace
from pathlib import Path

import pytest

from simulator.cold_start import COLD_START, NEW_CREDITOR_PATH, NEW_KEY, evaluate_cold_start
from simulator.families import cases
from simulator.objective import Objective
from simulator.outcome import run_case
from simulator.plans import Plan
from simulator.registry import make_policy
from simulator.world_file import load_world

OBJ = Objective()
TINY = replace(COLD_START, seeds=(4101,), debtors=300)
BEST = Plan.parse("email/neutral/7d")
NEWCOMER = {
    "best-fixed": BEST,
    "segment-fixed": {
        "b2b": Plan.parse("phone/neutral/14d"),
        "b2c": Plan.parse("sms/friendly/10d"),
    },
}


def test_the_new_creditor_world_is_the_default_world_plus_one_creditor() -> None:
    new, default = (
        load_world(NEW_CREDITOR_PATH),
        load_world(NEW_CREDITOR_PATH.parent / "default.toml"),
    )
    assert [c.key for c in new.creditors] == [*(c.key for c in default.creditors), NEW_KEY]
    assert new.response == default.response


def test_only_the_new_creditors_debtors_are_scored(cache_dir: Path) -> None:
    report = evaluate_cold_start(
        {"random": lambda w: make_policy("random", w)}, OBJ, TINY, newcomer=NEWCOMER
    )
    world = report["worlds"][0]
    rows = world["policies"]
    assert set(rows) == {"ladder", "best-fixed", "segment-fixed", "type-plan", "random"}
    assert report["summary"]["type-plan"]["evaluation_only"]
    # the fixed plan's sums equal running it, on the webshop's debtors only
    case = cases(TINY)[0]
    ran = run_case(case, "plan", lambda _w: BEST.policy(), OBJ)
    mask = case.world().pop.creditor == 3
    assert world["new_creditor_debtors"] == int(mask.sum()) < case.n_debtors
    value = OBJ.value(ran.collected[mask].sum(), ran.cost[mask].sum(), ran.complaints[mask].sum())
    assert rows["best-fixed"]["objective_eur"] == pytest.approx(float(value), abs=0.01)
    top = world["ceiling"]["objective_eur"]
    assert all(r["share_of_ceiling"] == pytest.approx(r["objective_eur"] / top, abs=1e-4)
               for r in rows.values())  # fmt: skip
    assert rows["type-plan"]["share_of_ceiling"] <= 1.0
