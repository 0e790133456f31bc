"""The plan-logging policy's chooser: the segment's plan with 1 - epsilon, a reachable neighbour
otherwise, each with its exact chance (the logged propensity), and what it chose among."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ledger.plans import ARM_LABELS, WAIT_LABEL
from policy.plan_choice import Evidence
from policy.plan_logging import PlanLoggingPolicy

EPS = 0.3
POLICY = PlanLoggingPolicy(EPS, "letter/firm/14d", ("email/firm/14d",))
ARM = {label: k for k, label in enumerate(ARM_LABELS)}


def _labels(arms: tuple[int, ...]) -> set[str]:
    return {ARM_LABELS[k] for k in arms}


def test_the_neighbours_are_the_next_cadences_and_tones_the_learners_plans_and_waiting() -> None:
    assert _labels(POLICY.neighbours(ARM["phone/neutral/7d"])) == {
        "phone/neutral/10d",  # no shorter cadence than 7 days
        "phone/friendly/7d",
        "phone/firm/7d",
        "letter/firm/14d",
        "email/firm/14d",
        WAIT_LABEL,
    }
    # the stated plan is never its own neighbour, even when it is the escalation plan
    assert _labels(POLICY.neighbours(ARM["letter/firm/14d"])) == {
        "letter/firm/10d", "letter/firm/21d", "letter/neutral/14d", "email/firm/14d", WAIT_LABEL,
    }  # fmt: skip


def test_the_logged_propensity_is_the_chance_it_was_chosen_with() -> None:
    rng = np.random.default_rng(5)
    n = 60_000
    stated = np.full(n, ARM["sms/friendly/14d"])
    available = np.ones((n, len(ARM_LABELS)), dtype=bool)
    available[:, ARM["sms/friendly/10d"]] = False  # say the rules offer it to no one
    choice, among = POLICY.choose(stated, available, rng)
    near = set(POLICY.neighbours(ARM["sms/friendly/14d"])) - {ARM["sms/friendly/10d"]}
    assert (among.sum(axis=1) == len(near) + 1).all()
    expected = {ARM["sms/friendly/14d"]: 1 - EPS} | {k: EPS / len(near) for k in near}
    assert set(np.unique(choice.arm)) == set(expected)
    for arm, p in expected.items():
        chosen = choice.arm == arm
        assert np.allclose(choice.propensity[chosen], p)
        assert among[chosen, arm].all()
        # the share it was chosen in, within five standard errors of its propensity
        assert abs(chosen.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_a_stated_plan_the_debtor_cannot_get_gives_way_to_its_neighbours_uniformly() -> None:
    rng = np.random.default_rng(6)
    n = 20_000
    stated = np.full(n, ARM["phone/neutral/7d"])
    available = np.zeros((n, len(ARM_LABELS)), dtype=bool)
    available[:, [ARM["letter/firm/14d"], ARM["email/firm/14d"], ARM[WAIT_LABEL]]] = True
    choice, among = POLICY.choose(stated, available, rng)
    assert not (choice.arm == ARM["phone/neutral/7d"]).any()
    assert not among[:, ARM["phone/neutral/7d"]].any()
    assert np.allclose(choice.propensity, 1 / 3)
    for arm in (ARM["letter/firm/14d"], ARM["email/firm/14d"], ARM[WAIT_LABEL]):
        assert abs((choice.arm == arm).mean() - 1 / 3) < 5 * np.sqrt(2 / 9 / n)


EVIDENCE = Evidence("promises_broken", 1.0, then=ARM["letter/firm/14d"])
ESCALATING = PlanLoggingPolicy(EPS, "letter/firm/14d", ("email/firm/14d",), EVIDENCE)


def test_after_a_broken_promise_it_is_anchored_on_the_escalation_plan_as_the_learner_is() -> None:
    n = 40_000
    stated = np.full(n, ARM["phone/neutral/7d"])
    rows = pd.DataFrame({"promises_broken": np.where(np.arange(n) % 2 == 0, 0.0, 2.0)})
    anchor = ESCALATING.anchored(stated, rows)
    broken = rows["promises_broken"].to_numpy() >= 1
    assert (anchor[broken] == ARM["letter/firm/14d"]).all()
    assert (anchor[~broken] == stated[~broken]).all()
    available = np.ones((n, len(ARM_LABELS)), dtype=bool)
    choice, among = ESCALATING.choose(stated, available, np.random.default_rng(7), anchor)
    # the anchor with 1 - epsilon; the segment's own plan is among the escalated rows' others
    assert np.allclose(choice.propensity[choice.arm == anchor], 1 - EPS)
    assert among[broken, ARM["phone/neutral/7d"]].all()
    escalated = broken & (choice.arm == ARM["letter/firm/14d"])
    assert abs(escalated.sum() / broken.sum() - (1 - EPS)) < 5 * np.sqrt(EPS * (1 - EPS) / n * 2)
    with pytest.raises(ValueError, match="state rows"):
        ESCALATING.anchored(stated, None)


def test_it_saves_its_configuration_and_refuses_what_it_cannot_serve(tmp_path: Path) -> None:
    loaded = PlanLoggingPolicy.load(ESCALATING.save_artifacts(tmp_path / "policy"))
    assert (loaded.epsilon, loaded.escalation, loaded.extra) == (EPS, "letter/firm/14d",
                                                                 ("email/firm/14d",))  # fmt: skip
    assert loaded.evidence == EVIDENCE
    assert loaded.model is None
    assert not POLICY.reads_state
    with pytest.raises(ValueError, match="epsilon"):
        PlanLoggingPolicy(1.5)
    with pytest.raises(ValueError, match="not a plan of the grid"):
        PlanLoggingPolicy(0.2, "letter/firm/5d")
    assert POLICY.stated_arm("phone/neutral/5d") == -1
    assert POLICY.stated_arm(None) == -1
