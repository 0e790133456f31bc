"""The fast path of a plan champion gives the very answer of the plain one: the state matrix made
once (``policy.plan_encoding``) scores, explains and decides exactly as LightGBM reading the
design frames itself, and explaining from the trees that tell the arms apart tells the drivers of
the whole TreeSHAP."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.specs import REGISTRY
from ledger.enums import Stage
from policy.actions import wait
from policy.decision_path import Answer, Pinned, Situation, decide_for
from policy.plan_choice import Evidence
from policy.plan_encoding import EncodedPlanStates, encode_plan_states
from policy.plan_explain import STATE_TEXT, explain_plan
from policy.plan_model import COMPONENTS, PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from tests.factories import synthetic_base
from tests.serving.api.tiny_plan_policy import tiny_plan_policy

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy() -> PlanDunningPolicy:
    return tiny_plan_policy()


@pytest.fixture(scope="module")
def states(policy: PlanDunningPolicy) -> pd.DataFrame:
    assert policy.model is not None
    rows = synthetic_base(40, np.random.default_rng(7))
    for name in policy.model.state_features:
        if name not in rows:
            rows[name] = np.arange(len(rows), dtype=float) % 30  # the checkpoint's counts
    rows.index = pd.Index(range(100, 100 + len(rows)), name="debtor_id")
    return rows[list(policy.model.state_features)]


def _by_lightgbm(model: PlanValueModel, state: pd.DataFrame, arm: int, contrib: bool) -> Any:
    """One arm's parts as LightGBM computes them from the design frame (per component)."""
    x = model.design(state, np.full(len(state), arm))
    xs = x[list(model.state_features)]
    out = []
    for c in COMPONENTS:
        plan = model.boosters[c].predict(x, pred_contrib=contrib)
        base = model.baselines[c].predict(xs, pred_contrib=contrib)
        if contrib:
            n = len(model.state_features)
            plan[:, :n] += base[:, :n]
            plan[:, -1] += base[:, -1]
            out.append(plan)
        else:
            out.append(plan + base)
    return out


def test_the_state_matrix_scores_exactly_as_lightgbm_reads_the_frame(
    policy: PlanDunningPolicy, states: pd.DataFrame
) -> None:
    model = policy.model
    assert model is not None
    encoded = encode_plan_states(model, states)
    assert encoded.matrix is not None
    rows, matrix = encoded.take([states.index[3], states.index[0]])
    parts = model.predict(rows, encoded=matrix)
    assert np.array_equal(parts, model.predict(rows))
    for arm in range(model.n_arms):
        want = np.maximum(np.column_stack(_by_lightgbm(model, rows, arm, False)), 0.0)
        assert np.array_equal(parts[:, arm, :], want)
    shap = model.contributions_of(rows.iloc[:1], [2, 5], encoded=matrix[:1])
    for j, arm in enumerate((2, 5)):
        for c, values in zip(
            COMPONENTS, _by_lightgbm(model, rows.iloc[:1], arm, True), strict=True
        ):
            assert np.array_equal(shap[c][j], values[0])


def test_the_parts_predicted_with_the_table_are_each_debtors_own(
    policy: PlanDunningPolicy, states: pd.DataFrame
) -> None:
    """Scoring a day's table once gives each debtor exactly what scoring its row alone gives (a
    row's trees do not read the rows beside it); other arms than the table's are not answered."""
    model = policy.model
    assert model is not None
    own = PlanDunningPolicy(
        model, policy.objective, policy.exploration, allowed_arms=(1, 4, model.n_arms - 1)
    )
    arms = own.scored_arms()
    encoded = encode_plan_states(model, states, own)
    for ids in ([int(states.index[5])], [int(states.index[9]), int(states.index[2])]):
        rows, matrix = encoded.take(ids)
        alone = model.predict(rows, arms, encoded=matrix)
        assert np.array_equal(encoded.predicted(ids, arms), alone)
        assert np.array_equal(alone, model.predict(rows, arms))
    assert encoded.predicted([int(states.index[0])], [1, 4]) is None
    assert encode_plan_states(model, states).predicted([int(states.index[0])], arms) is None


def test_an_anchored_policys_table_anchors_and_chooses_as_its_rows_alone(
    policy: PlanDunningPolicy, states: pd.DataFrame
) -> None:
    """An anchored policy's anchors made once for the table are each row's own, and its answers
    from the table are those from the plain frame."""
    model = policy.model
    assert model is not None
    anchored = PlanDunningPolicy(
        model, policy.objective, policy.exploration, allowed_arms=(0, 1, 4, 7, model.n_arms - 1),
        segment_defaults=(4,), margin_eur=50.0, segment_names=("x",),
        evidence=Evidence("hist_n_promises_broken", 1.0, then=7),
    )  # fmt: skip
    table = encode_plan_states(model, states, anchored)
    assert table.anchors is not None
    ids = [int(d) for d in states.index[:12]]
    for some in (ids[:1], ids[3:9]):
        rows, _ = table.take(some)
        got, want = table.anchors_of(some), anchored.anchors(rows)
        assert got is not None
        assert np.array_equal(got[0], want[0])
        assert np.array_equal(got[1], want[1])
    assert len(set(anchored.anchors(states)[0].tolist())) > 1  # the evidence moves some anchors
    cases = [
        Situation(d, [wait(Stage.REMINDER, NOW)], 10_000, None, arms=np.ones(model.n_arms, bool))
        for d in ids
    ]
    pinned = Pinned(anchored, "plan-anchored")
    _same(decide_for(cases, NOW, pinned, base=states, lang="nl"),
          decide_for(cases, NOW, pinned, base=table, lang="nl"))  # fmt: skip


def test_an_unknown_debtor_is_named(policy: PlanDunningPolicy, states: pd.DataFrame) -> None:
    assert policy.model is not None
    with pytest.raises(KeyError, match="debtor 7"):
        encode_plan_states(policy.model, states).take([int(states.index[0]), 7])


def test_the_arm_trees_explain_as_the_whole_treeshap(
    policy: PlanDunningPolicy, states: pd.DataFrame
) -> None:
    """The explanation reads the SHAP values of the trees that split on an arm column only and
    the parts from the predictions: its drivers are those of the whole TreeSHAP of every part
    (baselines included), its figures those of the decision's predictions."""
    model = policy.model
    assert model is not None
    weights = policy.objective.value(np.eye(len(COMPONENTS)))
    others = [model.n_arms - 1, 4]
    told = np.array([c in REGISTRY or c in STATE_TEXT for c in model.columns])
    for i in range(8):
        row = states.iloc[i : i + 1]
        e = explain_plan(model, policy.objective, row, 1, others, policy.channels, policy.tones,
                         ledger_terms=True)  # fmt: skip
        full = model.contributions_of(row, [1, *others])
        shap = np.stack([full[c] for c in COMPONENTS])  # [component, arm, column]
        parts = model.predict(row, [1, *others])[0]
        for j, c in enumerate(e.versus, start=1):
            gain = (weights @ (shap[:, 0, :-1] - shap[:, j, :-1]))[told]
            assert [g for _, g in c.drivers] == pytest.approx(
                sorted(gain[np.abs(gain) > 1e-9], key=abs, reverse=True)[: len(c.drivers)]
            )
            assert len(c.drivers) == min(3, int(np.sum(np.abs(gain) > 1e-9)))
            assert c.net_eur == float(policy.objective.value(parts[0] - parts[j]))
            assert c.collected_eur == float(parts[0, 0] - parts[j, 0])


def _same(a: list[Answer], b: list[Answer]) -> None:
    assert [x.plan for x in a] == [x.plan for x in b]
    assert [x.propensity for x in a] == [x.propensity for x in b]
    assert [x.value_cents for x in a] == [x.value_cents for x in b]
    assert [[r.text for r in x.reasons] for x in a] == [[r.text for r in x.reasons] for x in b]
    assert [x.versus_runner_up for x in a] == [x.versus_runner_up for x in b]


def test_decide_for_answers_the_same_from_the_encoded_states(
    policy: PlanDunningPolicy, states: pd.DataFrame
) -> None:
    assert policy.model is not None
    cases = [
        Situation(
            int(d),
            [wait(Stage.REMINDER, NOW)],
            10_000,
            None,
            arms=np.ones(policy.model.n_arms, bool),
        )
        for d in states.index[:12]
    ]
    pinned = Pinned(policy, "plan-7")
    plain = decide_for(cases, NOW, pinned, base=states, lang="nl")
    fast = decide_for(cases, NOW, pinned, base=encode_plan_states(policy.model, states), lang="nl")
    _same(plain, fast)
    scored = encode_plan_states(policy.model, states, policy)
    assert scored.parts is not None  # the parts come from the table's own scoring
    _same(plain, decide_for(cases, NOW, pinned, base=scored, lang="nl"))
    assert all(a.plan is not None and a.plan.checkpoint for a in fast)
    assert any(a.propensity < 1.0 for a in fast)  # top-3 exploration: not all greedy
    unencoded = EncodedPlanStates(states, None)  # boosters that disagree: the frame is scored
    _same(plain, decide_for(cases, NOW, pinned, base=unencoded, lang="nl"))


def test_scoring_only_the_policys_own_plans_chooses_as_scoring_every_plan(
    policy: PlanDunningPolicy, states: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = policy.model
    assert model is not None
    own = PlanDunningPolicy(
        model, policy.objective, policy.exploration, allowed_arms=(1, 4, 7, 9, model.n_arms - 1)
    )
    cases = [
        Situation(
            int(d), [wait(Stage.REMINDER, NOW)], 10_000, None, arms=np.ones(model.n_arms, bool)
        )
        for d in states.index[:12]
    ]
    pinned = Pinned(own, "plan-7")
    fast = decide_for(cases, NOW, pinned, base=states)
    real = PlanValueModel.predict
    asked: list[object] = []

    def every_plan(self: PlanValueModel, state: Any, arms: Any = None, **kw: Any) -> Any:
        asked.append(arms)
        return real(self, state, **kw)[:, list(arms)]  # all scored, then the asked ones kept

    monkeypatch.setattr(PlanValueModel, "predict", every_plan)
    _same(fast, decide_for(cases, NOW, pinned, base=states))
    assert asked == [[1, 4, 7, 9, model.n_arms - 1]]
    assert {a.plan.arm for a in fast if a.plan is not None} <= {1, 4, 7, 9, model.n_arms - 1}
