"""The plan learner in a small world: the policy follows its arms exactly, the log is complete and
exact, a learnt model decides within the creditor's contact budget, and anchored on the segment
plans it keeps them unless it expects a clear gain."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy.plan_choice import Choice, Evidence, TopK
from policy.plan_model import PlanModelParams
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.checkpoints import N_ARMS, WAIT_ARM
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case
from simulator.plans import PLANS, Plan
from simulator.world_file import default_world
from training.plan_fit import transitions
from training.plan_learner import (
    HISTORY_SEED_OFFSET,
    BaggedPlanModel,
    LearnerConfig,
    _history,
    anchored_policy,
    default_logger,
    escalation_rule_factory,
    learn,
    log_history,
    model_chooser,
    plan_factory,
    sub_log,
)
from training.plan_policy import PlanPolicy

CASE = WorldCase("tiny", default_world(), 5, 60, 60)
OBJ = Objective()


def _always(arm: int):  # type: ignore[no-untyped-def]
    def chooser(state: pd.DataFrame, avail: np.ndarray, rng: np.random.Generator) -> Choice:
        a = np.where(avail[:, arm], arm, WAIT_ARM)
        return Choice(a, np.ones(len(state)), a, np.full(len(state), -1))

    return chooser


def test_a_plan_policy_that_always_picks_one_plan_is_that_plan() -> None:
    k = PLANS.index(PLANS[4])  # email, an arm every debtor with an address-free file may lack
    plan = run_case(CASE, "plan", lambda _w: PLANS[k].policy(), OBJ)
    mine = run_case(CASE, "mine", lambda w: PlanPolicy(w, _always(k), "mine"), OBJ)
    covered = plan.contacts.sum()
    assert mine.contacts.sum() <= covered  # debtors without the channel wait instead of a letter
    assert mine.contacts.sum() > 0.8 * covered


def test_the_log_has_exact_propensities_and_rewards_that_add_up() -> None:
    log = log_history(CASE.spec, 11, 80, 60)
    state, cols = log.frame()
    avail = np.asarray(cols["available"])
    assert avail.shape == (len(state), N_ARMS)
    np.testing.assert_allclose(np.asarray(cols["propensity"]), 1.0 / avail.sum(axis=1))
    assert avail[np.arange(len(state)), np.asarray(cols["arm"])].all()
    t = transitions(log)
    # a debtor's rewards over all its checkpoints add up to its totals from the first one on
    order = np.lexsort((np.asarray(cols["day"]), np.asarray(cols["debtor"])))
    debtor = np.asarray(cols["debtor"])[order]
    first = np.r_[True, debtor[1:] != debtor[:-1]]
    since_first = log.final_totals[debtor[first]] - np.asarray(cols["totals"])[order][first]
    summed = np.zeros_like(since_first)
    np.add.at(summed, np.cumsum(first) - 1, t.reward)
    np.testing.assert_allclose(summed, since_first, atol=1e-6)
    assert since_first[:, 3].sum() > 0


def test_a_learnt_plan_policy_decides_within_the_budget() -> None:
    cfg = LearnerConfig(
        history_debtors=120, history_days=60, iterations=2, params=PlanModelParams(rounds=30)
    )
    model = learn(CASE.spec, CASE.seed, cfg)
    assert model.n_arms == N_ARMS
    o = run_case(CASE, "plan-learner", plan_factory(cfg), OBJ)
    assert o.contacts.sum() > 0
    assert o.max_in_window.max() <= OBJ.max_contacts_per_debtor
    e = run_case(CASE, "plan-learner+exploration", plan_factory(cfg, exploring=True), OBJ)
    assert e.max_in_window.max() <= OBJ.max_contacts_per_debtor


def test_anchored_on_segment_plans_it_keeps_them_unless_the_model_expects_more() -> None:
    defaults = tuple(PLANS[k].label for k in (0, 5, 10, 15, 20, 25))  # a plan per segment
    cfg = LearnerConfig(
        history_debtors=120, history_days=60, iterations=1, params=PlanModelParams(rounds=30),
        defaults=defaults, margin_eur=1e9,
    )  # fmt: skip
    assert cfg.default_arms is not None
    assert cfg.arms[cfg.default_arms].all()  # the defaults are arms even off the cadences
    only = replace(cfg, segment_plans_only=True).arms
    assert only.sum() == len(set(defaults)) + 1
    assert only[WAIT_ARM]
    log = log_history(CASE.spec, 11, 80, 60, cfg.arms)
    state, cols = log.frame()
    avail = np.asarray(cols["available"])
    model = learn(CASE.spec, CASE.seed, cfg)
    rng = np.random.default_rng(0)
    seg = state["segment"].to_numpy()
    default = cfg.default_arms[seg]
    ok = avail[np.arange(len(state)), default]
    never = model_chooser(model, cfg.plan_objective, TopK(), cfg.default_arms, 1e9)
    assert (never(state, avail, rng).arm[ok] == default[ok]).all()
    free = model_chooser(model, cfg.plan_objective, TopK(), cfg.default_arms, 0.0)
    freely = free(state, avail, rng).arm
    assert (freely != default).any()  # without a margin the model decides
    evidence = Evidence("promises_broken", 1.0)  # only a broken promise lets it leave the default
    told = model_chooser(model, cfg.plan_objective, TopK(), cfg.default_arms, 0.0, evidence)
    kept = ok & (state["promises_broken"].to_numpy() < 1)
    assert (freely[kept] != default[kept]).any()  # ... also where it has no evidence
    assert (told(state, avail, rng).arm[kept] == default[kept]).all()
    # any rule of the evidence suffices: here days past due, read through decide_for
    late_rule = Evidence("promises_broken", 1.0, None, (("dpd", 14.0),))
    also = model_chooser(model, cfg.plan_objective, TopK(), cfg.default_arms, 0.0, late_rule)
    moved = also(state, avail, rng).arm
    late = kept & (state["dpd"].to_numpy() >= 14)
    assert (freely[late] != default[late]).any()
    np.testing.assert_array_equal(moved[late], freely[late])
    assert (moved[kept & ~late] == default[kept & ~late]).all()


def test_the_default_logger_keeps_the_segment_plan_with_an_exact_propensity() -> None:
    n = 30_000
    state = pd.DataFrame({"segment": np.zeros(n, dtype=np.int64)})
    avail = np.ones((n, 5), dtype=bool)
    avail[: n // 2, 0] = False  # half the rows cannot take their default
    c = default_logger(np.array([0]), 0.4)(state, avail, np.random.default_rng(3))
    top = c.arm[n // 2 :] == 0
    assert float(top.mean()) == pytest.approx(0.6 + 0.4 / 5, abs=0.01)
    np.testing.assert_allclose(c.propensity[n // 2 :][top], 0.6 + 0.4 / 5)
    np.testing.assert_allclose(c.propensity[n // 2 :][~top], 0.4 / 5)
    np.testing.assert_allclose(c.propensity[: n // 2], 1 / 4)  # uniform among the four left
    assert (c.arm[: n // 2] != 0).all()


def test_the_escalation_plan_is_among_the_arms_when_anchored_and_always_logged() -> None:
    letter = PLANS.index(Plan.parse("letter/firm/14d"))
    cfg = LearnerConfig(cadences=(7,), margin_eur=500.0, segment_plans_only=True,
                        evidence=Evidence("promises_broken", 1.0, then=letter))  # fmt: skip
    assert not cfg.arms[letter]  # no segment plans (the loop, a ledger before its anchors)
    assert cfg.logged_arms[letter]  # a plan-logging history tries it all the same
    assert (cfg.logged_arms | ~cfg.arms).all()  # and every arm the learner may choose
    anchored = replace(cfg, defaults=("phone/neutral/7d",))
    assert anchored.arms.tolist() == [
        a is None or a in (Plan.parse("phone/neutral/7d"), PLANS[letter]) for a in (*PLANS, None)
    ]
    neutral = PLANS.index(Plan.parse("letter/neutral/14d"))
    per_segment = replace(anchored, evidence=Evidence("promises_broken", 1.0, then=(neutral, -1)))
    assert per_segment.logged_arms[neutral]
    assert per_segment.arms[neutral]
    assert not per_segment.arms[letter]
    firm_10 = PLANS.index(Plan.parse("letter/firm/10d"))
    extra = replace(cfg, extra_plans=("letter/firm/10d",))
    assert extra.logged_arms[firm_10]  # logged before the ledger's anchors are known
    assert not extra.arms[firm_10]
    assert replace(extra, defaults=("phone/neutral/7d",)).arms[firm_10]


def test_a_bagged_model_decides_on_its_members_mean_each_fitted_on_some_debtors() -> None:
    cfg = LearnerConfig(
        history_debtors=120, history_days=60, iterations=1, params=PlanModelParams(rounds=20),
        bagging=3,
    )  # fmt: skip
    model = learn(CASE.spec, CASE.seed, cfg)
    assert isinstance(model, BaggedPlanModel)
    assert len(model.members) == 3
    log = log_history(CASE.spec, CASE.seed, 120, 60)
    state = log.frame()[0].head(5)
    parts = [m.predict(state) for m in model.members]
    assert not np.allclose(parts[0], parts[1])  # other debtors, another fit
    assert np.allclose(model.predict(state), np.mean(parts, axis=0))
    keep = np.zeros(120, dtype=bool)
    keep[:40] = True
    sub = sub_log(log, keep)
    assert set(np.concatenate(sub.debtor).tolist()) <= set(range(40))
    assert len(sub.frame()[0]) == int(keep[np.concatenate(log.debtor)].sum())


def test_another_history_draw_is_another_past_and_draw_0_the_reports() -> None:
    cfg = LearnerConfig(history_debtors=60, history_days=40)
    first = _history(CASE.spec, CASE.seed, cfg)
    same = log_history(CASE.spec, CASE.seed + HISTORY_SEED_OFFSET, 60, 40, cfg.arms)
    other = _history(CASE.spec, CASE.seed, replace(cfg, history_draw=1))
    assert np.array_equal(np.concatenate(first.arm), np.concatenate(same.arm))
    assert not np.array_equal(np.concatenate(first.totals), np.concatenate(other.totals))


def test_the_escalation_rule_is_the_anchors_without_a_model() -> None:
    phone, letter = (PLANS.index(Plan.parse(p)) for p in ("phone/neutral/7d", "letter/firm/14d"))
    cfg = LearnerConfig(cadences=(7,), margin_eur=500.0, segment_plans_only=True,
                        evidence=Evidence("promises_broken", 1.0, then=letter),
                        defaults=("phone/neutral/7d",) * 6)  # fmt: skip
    with pytest.raises(ValueError, match="segment plans"):
        escalation_rule_factory(replace(cfg, defaults=()))
    policy = escalation_rule_factory(cfg)(CASE.world())
    state = pd.DataFrame({"segment": np.zeros(3, dtype=np.int64),
                          "promises_broken": [0.0, 1.0, 2.0]})  # fmt: skip
    avail = np.ones((3, N_ARMS), dtype=bool)
    c = policy.chooser(state, avail, np.random.default_rng(0))
    assert c.arm.tolist() == [phone, letter, letter]
    np.testing.assert_allclose(c.propensity, 1.0)  # no exploration


def test_with_the_letter_fallback_an_unreachable_anchor_is_its_plan_by_letter(
    tmp_path: Path,
) -> None:
    phone, letter = (PLANS.index(Plan.parse(p)) for p in ("phone/neutral/7d", "letter/neutral/7d"))
    cfg = LearnerConfig(
        history_debtors=120, history_days=60, iterations=1, params=PlanModelParams(rounds=20),
        cadences=(7,), segment_plans_only=True, defaults=("phone/neutral/7d",) * 6,
        margin_eur=1e9, letter_fallback=True,
    )  # fmt: skip
    assert cfg.arms[letter]  # the fallback is among its plans
    assert not replace(cfg, letter_fallback=False).arms[letter]
    model = learn(CASE.spec, CASE.seed, cfg)
    assert cfg.default_arms is not None
    policy = anchored_policy(model, cfg.plan_objective, TopK(), cfg.default_arms, 1e9, None,
                             None, (), letter_fallback=True)  # fmt: skip
    assert policy.fallback_arms[phone] == letter
    assert policy.fallback_arms[letter] == -1
    state = log_history(CASE.spec, 11, 80, 60, cfg.arms).frame()[0].head(40)
    avail = np.tile(cfg.arms, (len(state), 1))
    avail[::2, phone] = False  # every other debtor has no phone number
    scores = policy.scores(state, model.predict(state), available=avail)
    best = np.argmax(np.where(avail, scores, -np.inf), axis=1)
    assert (best[::2] == letter).all()
    assert (best[1::2] == phone).all()
    again = PlanDunningPolicy.load(policy.save_artifacts(tmp_path / "policy"))
    assert again.letter_fallback


def test_anchors_on_the_world_are_searched_on_its_past_never_on_the_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.settings import get_settings
    from simulator.baselines import escalation_stats, per_group
    from training.plan_learner import HISTORY_SEED_OFFSET, LearnerConfig, own_world_anchors

    monkeypatch.setenv("DUNFLOW_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    then = PLANS.index(Plan("letter", "firm", 14))
    cfg = LearnerConfig(history_debtors=80, history_days=40, anchors_on_world=True,
                        evidence=Evidence("promises_broken", 1.0, then=then))  # fmt: skip
    world = CASE.world()
    got = own_world_anchors(cfg, world)
    assert not got.anchors_on_world
    past = WorldCase("own", CASE.spec, CASE.seed + HISTORY_SEED_OFFSET, 80, 40)
    want = per_group([escalation_stats(past, cfg.objective, PLANS[then])], "segment",
                     cfg.objective)  # fmt: skip
    assert got.defaults == tuple(p.label for p in want)
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="escalation"):
        own_world_anchors(replace(cfg, evidence=None), world)


def test_continuing_on_the_anchors_values_later_checkpoints_as_the_anchors_alone() -> None:
    from policy.plan_choice import HELD_BACK_EUR
    from training.plan_learner import LearnerConfig, _anchors, _history

    known = (("prior_paid", ">=", 1.0),)
    cfg = LearnerConfig(
        history_debtors=80, history_days=60, margin_eur=50.0, anchored_continuation=True,
        defaults=tuple(PLANS[k].label for k in (0, 5, 10, 15, 20, 25)),
        evidence=Evidence("promises_broken", 1.0, margin_without_eur=50.0, known=known,
                          margin_known_eur=10.0),
    )  # fmt: skip
    state = transitions(_history(CASE.spec, CASE.seed, cfg)).state.reset_index(drop=True)
    moving = _anchors(cfg)
    held = _anchors(replace(cfg, continue_on_anchors=True))
    assert moving is not None
    assert held is not None
    arm, margin = moving(state)
    same, kept = held(state)
    assert (same == arm).all()  # the same anchors
    assert (margin < 100.0).all()  # the model's moves may follow
    assert (kept >= HELD_BACK_EUR).all()  # none may


def test_pooled_logs_keep_each_creditors_checkpoints_and_rewards_apart() -> None:
    from training.plan_learner import LearnerConfig, _history, pooled

    cfg = LearnerConfig(history_debtors=60, history_days=60)
    one = _history(CASE.spec, CASE.seed, cfg)
    two = _history(CASE.spec, CASE.seed + 1, cfg)
    both = transitions(pooled([one, two]))
    a, b = transitions(one), transitions(two)
    assert len(both.arm) == len(a.arm) + len(b.arm)
    first = both.debtor < len(one.final_totals)
    np.testing.assert_array_equal(both.reward[first], a.reward)  # sorted by debtor, then day
    np.testing.assert_array_equal(both.reward[~first], b.reward)
    np.testing.assert_array_equal(both.debtor[~first] - len(one.final_totals), b.debtor)
    assert (both.learn[first] == a.learn).all()
    nxt = both.next_row[~first]
    assert (nxt[nxt >= 0] >= first.sum()).all()  # a checkpoint's next one is its creditor's
