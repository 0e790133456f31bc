"""The type-posterior flow: the value table prices complaints per debtor of each cell; the choice
is the plan of best expected value under the posterior among the segment's reachable plans, and
with a margin the anchor unless that plan clears it; fitted on a small family it decides in
replay and its posterior is a distribution over the types."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.baselines import plan_stats
from simulator.checkpoints import N_ARMS, WAIT_ARM
from simulator.debtor_history import CH
from simulator.families import Family, cases
from simulator.objective import Objective
from simulator.outcome import run_case, segments
from simulator.plans import PLANS
from training.plan_learner import CHOSEN, with_segment_defaults
from training.type_posterior import (
    PosteriorConfig,
    TypePosterior,
    _histories,
    fit_posterior,
    posterior_chooser,
    posterior_factory,
    regret_by_type,
    told_posterior,
    value_table,
)

OBJ = Objective()
FAMILY = Family("type-posterior-test", seeds=(77,), debtors=120, days=60)


class _Known:
    """A classifier that returns the rows' ``p0``/``p1`` columns as P(type 0), P(type 2)."""

    classes_ = np.array([0, 2])

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        return x[["p0", "p1"]].to_numpy()


class _Anchors:
    """An anchoring rule that anchors every debtor on plan 1."""

    def anchored(self, stated: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
        return np.ones(len(stated), dtype=np.int64)


def _posterior() -> TypePosterior:
    score = np.zeros((len(PLANS), 1, 3))
    score[0, 0] = [100.0, 0.0, 0.0]  # plan 0: worth 100 for type 0
    score[1, 0] = [0.0, 0.0, 60.0]  # plan 1: worth 60 for type 2
    score[2, 0] = [1000.0, 0.0, 1000.0]  # plan 2: best for everyone, but not the segment's
    allowed = np.zeros((1, len(PLANS)), dtype=bool)
    allowed[0, [0, 1]] = True
    return TypePosterior((_Known(),), ["p0", "p1"], score, allowed)


def test_the_plan_of_best_expected_value_among_the_segments_reachable_ones() -> None:
    tp = _posterior()
    state = pd.DataFrame({"segment": [0, 0, 0, 0], "p0": [0.9, 0.2, 0.9, 0.5],
                          "p1": [0.1, 0.8, 0.1, 0.5]})  # fmt: skip
    np.testing.assert_allclose(tp.posterior(state)[:, 1], 0.0)  # a type the fit never saw
    np.testing.assert_allclose(tp.expected(state)[:, 0], [90.0, 20.0, 90.0, 50.0])
    avail = np.ones((4, N_ARMS), dtype=bool)
    avail[2, 0] = False  # the third debtor cannot be reached by plan 0
    avail[3, [0, 1]] = False  # nor the fourth by either of its segment's plans
    c = posterior_chooser(tp, None)(state, avail, np.random.default_rng(0))
    assert c.arm.tolist() == [0, 1, 1, WAIT_ARM]
    np.testing.assert_allclose(c.propensity, 1.0)
    with pytest.raises(ValueError, match="anchors"):
        posterior_chooser(tp, 10.0)
    # told the kind (the diagnostic that reads it): type 2 everywhere, so plan 1 where reachable
    told_2 = posterior_chooser(tp, None, told=lambda s: np.tile([0.0, 0.0, 1.0], (len(s), 1)))
    assert told_2(state, avail, np.random.default_rng(0)).arm.tolist() == [1, 1, 1, WAIT_ARM]


def test_per_euro_the_expected_value_scales_with_the_rows_mean_overdue_invoice() -> None:
    tp = replace(_posterior(), per_euro=True)
    state = pd.DataFrame({"segment": [0, 0], "p0": [0.9, 0.9], "p1": [0.1, 0.1],
                          "log_overdue_eur": np.log1p([300.0, 300.0]),
                          "n_overdue": [1, 3]})  # fmt: skip
    np.testing.assert_allclose(tp.expected(state)[:, 0], [90.0 * 300, 90.0 * 100])


def test_told_after_n_contacts_the_kind_replaces_the_posterior_from_then_on() -> None:
    tp = _posterior()
    state = pd.DataFrame({"segment": [0, 0, 0], "p0": [0.9, 0.2, 0.5], "p1": [0.1, 0.8, 0.5],
                          "episode_contacts": [0, 1, 3]})  # fmt: skip
    types = np.array([2, 0, 2])
    inferred, known = tp.posterior(state), np.eye(3)[types]
    np.testing.assert_allclose(told_posterior(tp, state, types, 0), known)
    np.testing.assert_allclose(
        told_posterior(tp, state, types, 1), [inferred[0], known[1], known[2]]
    )
    np.testing.assert_allclose(
        told_posterior(tp, state, types, 2), [inferred[0], inferred[1], known[2]]
    )


def test_with_a_margin_the_anchor_stays_unless_the_gain_clears_it() -> None:
    tp = _posterior()
    # expected values (plan 0, plan 1): (90, 6), (50, 30), (10, 54)
    state = pd.DataFrame({"segment": [0, 0, 0], "p0": [0.9, 0.5, 0.1], "p1": [0.1, 0.5, 0.9]})
    avail = np.ones((3, N_ARMS), dtype=bool)
    chooser = posterior_chooser(tp, 30.0, (_Anchors(), np.array([1])))  # type: ignore[arg-type]
    c = chooser(state, avail, np.random.default_rng(0))
    assert c.arm.tolist() == [0, 1, 1]  # a gain of 84 clears 30; one of 20 does not
    # with informed_after 1 the anchor stays until the episode has had a contact
    informed = posterior_chooser(tp, 30.0, (_Anchors(), np.array([1])), informed_after=1)  # type: ignore[arg-type]
    fresh = state.assign(episode_contacts=[0, 1, 0])
    assert informed(fresh, avail, np.random.default_rng(0)).arm.tolist() == [1, 1, 1]
    assert informed(fresh.assign(episode_contacts=1), avail,
                    np.random.default_rng(0)).arm.tolist() == [0, 1, 1]  # fmt: skip
    avail[:, 1] = False  # an unreachable anchor is not kept
    assert chooser(state, avail, np.random.default_rng(0)).arm.tolist() == [0, 0, 0]


def test_the_diagnosis_prices_each_error_for_the_true_type() -> None:
    tp = _posterior()
    # expected values (plan 0, plan 1): (90, 6), (20, 48), (90, 6); true types 0, 0, 2
    state = pd.DataFrame({"segment": [0, 0, 0], "p0": [0.9, 0.2, 0.9], "p1": [0.1, 0.8, 0.1]})
    d = regret_by_type(tp, state, np.array([0, 0, 2]))
    # the second debtor (type 0) takes plan 1 (0 for it, not 100); the third (type 2) plan 0
    # (0 for it, not 60)
    assert d["per_type"]["punctual"] == {
        "checkpoints": 2,
        "accuracy": 0.5,
        "mean_posterior_on_truth": 0.55,
        "regret_eur": 50.0,
    }
    assert d["per_type"]["cash_strapped"]["regret_eur"] == 60.0
    assert "forgetful" not in d["per_type"]  # no checkpoint of type 1
    assert (d["accuracy"], d["regret_eur"]) == (round(1 / 3, 3), round(160 / 3, 1))
    assert d["confusion"]["rows_true"][0][:3] == [1, 0, 1]
    assert d["confusion"]["rows_true"][2][:3] == [1, 0, 0]


def test_the_value_table_prices_each_complaint_per_debtor_of_the_cell(
    mlflow_tmp: Path,
) -> None:
    case = cases(FAMILY)[0]
    stats = plan_stats(case, OBJ)
    world = case.world()
    seg, _ = segments(world)
    n = np.zeros(stats.cells.shape[1:3])
    np.add.at(n, (seg, world.pop.archetype), 1)
    free, priced = value_table([case], [stats], 0.0), value_table([case], [stats], 500.0)
    s, t = np.unravel_index(np.argmax(n), n.shape)
    np.testing.assert_allclose(free[:, s, t], stats.cells[:, s, t, 0] / n[s, t])
    np.testing.assert_allclose(free - priced, 500.0 * stats.cells[..., 1] / np.maximum(n, 1))
    assert (free[:, n == 0] == 0).all()
    # per euro: divided by the cell's summed mean invoice (EUR) instead of its count
    pop = world.pop
    invoiced = np.bincount(pop.inv_debtor, pop.inv_amount / 100.0, pop.n_debtors)
    mean_invoice = invoiced / np.maximum(np.bincount(pop.inv_debtor, minlength=pop.n_debtors), 1)
    cell = (seg == s) & (pop.archetype == t)
    per_euro = value_table([case], [stats], 0.0, per_euro=True)
    expected = stats.cells[:, s, t, 0] / mean_invoice[cell].sum()
    np.testing.assert_allclose(per_euro[:, s, t], expected)


def test_fitted_on_a_small_family_it_decides_in_replay(mlflow_tmp: Path) -> None:
    pc = PosteriorConfig(reps=1, trees=20)
    tp = fit_posterior(FAMILY, pc, OBJ)
    assert tp.allowed.any(axis=1).sum() >= 2  # the segments the world has
    case = cases(FAMILY)[0]
    out = run_case(case, "type-posterior", posterior_factory(FAMILY, pc), OBJ)
    assert out.contacts.sum() > 0
    assert out.max_in_window.max() <= OBJ.max_contacts_per_debtor
    told = run_case(case, "told", posterior_factory(FAMILY, pc, told_after=0), OBJ)
    assert not np.array_equal(told.collected, out.collected)  # the kind changes what is chosen


def test_the_counted_state_holds_the_counts_behind_its_rates(mlflow_tmp: Path) -> None:
    pc = PosteriorConfig(reps=1, trees=20, counts=True)
    tp = fit_posterior(FAMILY, pc, OBJ)
    assert {"contacts_phone", "reached_phone", "contacts_firm"} <= set(tp.columns)
    state, _ = _histories(cases(FAMILY)[:1], with_segment_defaults(CHOSEN, FAMILY), pc)
    contacted = state["contacts_total"] > 0
    assert contacted.any()
    per_channel = state[[f"contacts_{c}" for c in CH]].sum(axis=1)
    np.testing.assert_allclose(per_channel, state["contacts_total"])
    rate = state["reached_phone"] / state["contacts_phone"]
    np.testing.assert_allclose(rate.dropna(), state["reach_phone"][rate.notna()])
