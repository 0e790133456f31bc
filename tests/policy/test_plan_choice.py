"""Plan choice: the best available arm, exploration among the top k with exact propensities, the
segment's default plan kept unless another beats it by the margin (and, with evidence, only for a
debtor whose history supports leaving it)."""

import json
from dataclasses import asdict

import numpy as np
import pytest

from policy.plan_choice import (
    GREEDY,
    Evidence,
    PlanObjective,
    TopK,
    anchored,
    choose,
    moves_only,
    reachable_anchor,
)


def test_greedy_takes_the_best_available_arm_and_names_the_runner_up() -> None:
    scores = np.array([[3.0, 9.0, 5.0, 1.0], [3.0, 9.0, 5.0, 1.0]])
    avail = np.array([[True, True, True, True], [True, False, True, True]])
    c = choose(scores, avail, np.random.default_rng(0), GREEDY)
    assert c.arm.tolist() == [1, 2]
    assert c.runner_up.tolist() == [2, 0]
    assert c.propensity.tolist() == [1.0, 1.0]


def test_exploration_stays_in_the_top_k_and_its_propensities_are_exact() -> None:
    n = 40_000
    scores = np.tile([5.0, 4.0, 3.0, 2.0, 1.0], (n, 1))
    avail = np.ones_like(scores, dtype=bool)
    avail[:, 1] = False
    c = choose(scores, avail, np.random.default_rng(1), TopK(0.3, 3))
    assert set(c.arm.tolist()) == {0, 2, 3}
    for arm in (0, 2, 3):
        share = float(np.mean(c.arm == arm))
        prop = float(c.propensity[c.arm == arm][0])
        assert share == pytest.approx(prop, abs=0.01)
    assert c.propensity[c.arm == 0][0] == pytest.approx(0.7 + 0.1)
    assert c.propensity[c.arm == 3][0] == pytest.approx(0.1)  # the floor epsilon / k


def test_the_objective_weighs_complaints_at_their_stated_cost_plus_the_multiplier() -> None:
    parts = np.array([[100.0, 2.0, 0.1, 2.0]])  # collected, cost, complaints, contacts
    plain = PlanObjective(50.0, 30.0, lam=0.0)
    assert plain.value(parts)[0] == pytest.approx(100 - 2 - 5)
    strict = PlanObjective(50.0, 30.0, lam=200.0)
    assert strict.score(parts)[0] == pytest.approx(93 - 200 * (0.1 - 0.06))
    with pytest.raises(ValueError, match="epsilon"):
        TopK(1.5, 3)


def test_the_default_arm_is_kept_unless_another_beats_it_by_more_than_the_margin() -> None:
    scores = np.array([[10.0, 40.0, 0.0], [10.0, 80.0, 0.0], [10.0, 80.0, 0.0], [10.0, 80.0, 0.0]])
    default = np.array([0, 0, -1, 0])  # row 2 has no default; row 3's default is unavailable
    avail = np.ones_like(scores, dtype=bool)
    avail[3, 0] = False
    c = choose(anchored(scores, default, 50.0), avail, np.random.default_rng(0), GREEDY)
    assert c.arm.tolist() == [0, 1, 1, 1]
    assert scores[0, 0] == 10.0  # the caller's scores are left alone


def test_without_evidence_the_default_is_kept_or_needs_the_larger_margin() -> None:
    scores = np.array([[10.0, 80.0, 0.0]] * 3 + [[10.0, 500.0, 0.0]])
    default = np.zeros(4, dtype=np.int64)
    broken = np.array([1.0, 0.0, 0.0, 0.0])  # the evidence column: broken promises
    avail = np.ones_like(scores, dtype=bool)
    avail[2, 0] = False  # no evidence needed when the default cannot act
    never = Evidence("promises_broken", 1.0).margins(broken, 50.0)
    assert never[0] == 50.0
    assert np.isinf(never[1])
    c = choose(anchored(scores, default, never), avail, np.random.default_rng(0), GREEDY)
    assert c.arm.tolist() == [1, 0, 1, 0]
    larger = Evidence("promises_broken", 1.0, 300.0).margins(broken, 50.0)
    c = choose(anchored(scores, default, larger), avail, np.random.default_rng(0), GREEDY)
    assert c.arm.tolist() == [1, 0, 1, 1]  # 490 EUR more clears the 300 EUR margin


def test_any_evidence_rule_lets_a_debtor_leave_and_reads_back_from_json() -> None:
    rule = Evidence("promises_broken", 1.0, None, (("prior_mean_dpd", 20.0),))
    counts = np.array([[1.0, 0.0], [0.0, 25.0], [0.0, 19.0]])  # columns in the order of rules
    m = rule.margins(counts, 0.0)
    assert m[:2].tolist() == [0.0, 0.0]
    assert np.isinf(m[2])
    assert rule.rules == (("promises_broken", 1.0), ("prior_mean_dpd", 20.0))
    assert Evidence(**json.loads(json.dumps(asdict(rule)))) == rule


def test_the_cost_multiplier_weighs_cost_against_the_ceiling_never_in_the_value() -> None:
    # collected, cost, complaints, contacts: a phone plan and an email plan
    parts = np.array([[1000.0, 9.0, 0.0, 2.0], [960.0, 0.6, 0.0, 2.0]])
    free = PlanObjective(50.0, 30.0, 0.004, lam=0.0, cost_mu=0.0)
    capped = PlanObjective(50.0, 30.0, 0.004, lam=0.0, cost_mu=20.0)
    assert np.argmax(free.score(parts)) == 0
    assert np.argmax(capped.score(parts)) == 1  # 5 EUR above the ceiling x 20 outweighs 40 EUR
    assert capped.value(parts).tolist() == free.value(parts).tolist()  # never in the reported
    assert capped.score(parts)[1] == pytest.approx(capped.value(parts)[1] - 20 * (0.6 - 3.84))


def test_with_evidence_an_escalation_plan_replaces_the_segments_as_the_anchor() -> None:
    # arms: 0 the segment's plan, 1 the escalation plan, 2 another plan, 3 waiting
    scores = np.array([[90.0, 60.0, 70.0, 0.0]] * 3)
    default = np.array([0, 0, -1])  # row 2: a segment without a plan stays unanchored
    broken = np.array([1.0, 0.0, 1.0])
    escalate = Evidence("promises_broken", 1.0, then=1)
    anchor = escalate.defaults(broken, default)
    assert anchor.tolist() == [1, 0, -1]
    margins = escalate.margins(broken, 50.0)
    c = choose(anchored(scores, anchor, margins), np.ones_like(scores, dtype=bool),
               np.random.default_rng(0), GREEDY)  # fmt: skip
    assert c.arm.tolist() == [1, 0, 0]  # 30 EUR more for the segment's plan does not clear 50
    assert Evidence("promises_broken", 1.0).defaults(broken, default).tolist() == [0, 0, -1]
    assert Evidence(**json.loads(json.dumps(asdict(escalate)))) == escalate


def test_an_escalation_plan_per_segment_anchors_only_the_segments_that_have_one() -> None:
    # segments 0 and 1; segment 0 escalates to arm 1, segment 1 (-1) keeps its own plan
    default = np.array([0, 0, 2, 2, -1])
    segment = np.array([0, 0, 1, 1, -1])
    broken = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    per_segment = Evidence("promises_broken", 1.0, then=(1, -1))
    assert per_segment.defaults(broken, default, segment).tolist() == [1, 0, 2, 2, -1]
    assert per_segment.escalations == (1,)
    assert Evidence(**json.loads(json.dumps(asdict(per_segment)))) == per_segment
    with pytest.raises(ValueError, match="segments"):
        per_segment.defaults(broken, default)


def test_counter_evidence_keeps_the_segments_plan_and_reads_back_from_json() -> None:
    # rows: a broken promise with no invoice paid, after paying on time, after paying late;
    # no broken promise after paying on time; a broken promise, paid-on-time column unknown (NaN)
    on_time = Evidence(
        "promises_broken", 1.0, then=1, against=(("prior_paid", ">=", 1.0), ("mean_dpd", "<=", 3.0))
    )
    counts = np.array(
        [[1.0, 0.0, 0.0], [1.0, 4.0, 2.5], [1.0, 4.0, 12.0], [0.0, 4.0, 2.5], [1.0, 2.0, np.nan]]
    )  # columns in the order of ``columns``
    assert on_time.columns == ("promises_broken", "prior_paid", "mean_dpd")
    assert on_time.shown(counts).tolist() == [True, False, True, False, True]
    default = np.zeros(5, dtype=np.int64)
    assert on_time.defaults(counts, default).tolist() == [1, 0, 1, 0, 1]
    assert on_time.shown(counts[:, :1]).tolist() == [True, True, True, False, True]  # rules only
    assert Evidence(**json.loads(json.dumps(asdict(on_time)))) == on_time
    with pytest.raises(ValueError, match="against"):
        Evidence(against=(("prior_paid", ">", 1.0),))


def test_a_known_history_keeps_the_anchor_at_its_own_smaller_margin() -> None:
    # rows: a broken promise; none, 3 invoices paid; none, 1 paid; none, unknown (NaN); a broken
    # promise and 3 paid (the evidence's margin wins)
    known = Evidence(
        "promises_broken", 1.0, then=1, known=(("prior_paid", ">=", 2.0),), margin_known_eur=300.0
    )
    counts = np.array([[1.0, 0.0], [0.0, 3.0], [0.0, 1.0], [0.0, np.nan], [1.0, 3.0]])
    assert known.columns == ("promises_broken", "prior_paid")
    assert known.margins(counts, 500.0).tolist() == [500.0, 300.0, np.inf, np.inf, 500.0]
    default = np.zeros(5, dtype=np.int64)
    assert known.defaults(counts, default).tolist() == [1, 0, 0, 0, 1]  # the anchor is kept
    kept = known.kept()  # every anchor kept but where the evidence's own margin applies
    assert kept.margins(counts, 500.0).tolist() == [500.0, np.inf, np.inf, np.inf, 500.0]
    assert kept.defaults(counts, default).tolist() == [1, 0, 0, 0, 1]
    assert Evidence(**json.loads(json.dumps(asdict(known)))) == known
    with pytest.raises(ValueError, match="margin_known_eur"):
        Evidence(known=(("prior_paid", ">=", 2.0),))


def test_a_margin_share_makes_the_margin_grow_with_the_amount_overdue() -> None:
    # rows: a broken promise on 1,000 EUR; on 20,000 EUR; no broken promise on 20,000 EUR
    share = Evidence("promises_broken", 1.0, then=1, margin_share=0.1)
    assert share.columns == ("promises_broken", "log_overdue_eur")
    counts = np.array([[1.0, np.log1p(1000.0)], [1.0, np.log1p(20000.0)], [0.0, np.log1p(2e4)]])
    np.testing.assert_allclose(share.margins(counts, 500.0), [500.0, 2000.0, np.inf])
    assert Evidence("promises_broken", 1.0).columns == ("promises_broken",)  # none: not read
    assert Evidence(**json.loads(json.dumps(asdict(share)))) == share
    with pytest.raises(ValueError, match="log_overdue_eur"):
        share.margins(counts[:, :1], 500.0)  # without the amount


def test_only_the_moves_given_leave_an_anchor_and_the_rest_keep_their_order() -> None:
    scores = np.array([[10.0, 80.0, 60.0, 0.0]] * 5)
    default = np.array([0, 0, 0, 0, -1])
    segment = np.array([0, 1, 0, 1, 1])
    moves = frozenset({(1, 0, 2)})  # in segment 1, off arm 0 to arm 2 only
    out = moves_only(scores, default, segment, moves)
    avail = np.ones_like(scores, dtype=bool)
    avail[2:4, 0] = False  # rows 2 and 3 cannot take their anchor
    c = choose(out, avail, np.random.default_rng(0), GREEDY)
    # segment 0 has no move; segment 1 may take arm 2 (not arm 1, however good); without an
    # available anchor a move given comes first, then the model's order; no anchor, no change
    assert c.arm.tolist() == [0, 2, 1, 2, 1]
    assert scores[1, 1] == 80.0  # the caller's scores are left alone


def test_an_anchor_that_cannot_reach_the_debtor_falls_back_where_its_fallback_can() -> None:
    default = np.array([0, 0, 0, 2, -1])
    fallback = np.array([1, -1, -1, 1])  # arm 0 falls back on arm 1; the others on none
    avail = np.ones((5, 4), dtype=bool)
    avail[1:3, 0] = False  # rows 1 and 2 cannot take arm 0
    avail[2, 1] = False  # nor row 2 its fallback
    avail[3, 2] = False  # arm 2 has no fallback
    assert reachable_anchor(default, avail, fallback).tolist() == [0, 1, 0, 2, -1]
