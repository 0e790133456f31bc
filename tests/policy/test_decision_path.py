"""The one decision path: the ladder without a model, the learned policy with one; the rules'
refusals per channel; draws keyed by (seed, version, day, debtor)."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from ledger.enums import Channel
from policy import DebtorState, allowed_actions, ladder_action
from policy.decision_path import Pinned, decide_for, situations
from tests.factories import synthetic_base
from tests.policy.builders import EVERY_CHANNEL, ams, invoice, state
from tests.serving.api.tiny_policy import tiny_policy

NOW = ams(2026, 3, 10, 9)


def _states() -> dict[int, DebtorState]:
    return {
        1: state(debtor_id=1, invoices=(invoice(1, due=date(2026, 2, 1)),)),
        2: state(
            debtor_id=2,
            invoices=(invoice(2, due=date(2026, 1, 5)),),
            reachable=EVERY_CHANNEL - {Channel.SMS, Channel.ROBOCALL, Channel.PHONE},
        ),
    }


def test_without_a_model_the_ladder_answers_with_the_rules_refusals() -> None:
    states = _states()
    answers = decide_for(states, NOW, None)
    assert [a.debtor_id for a in answers] == [1, 2]
    for a in answers:
        st = states[a.debtor_id]
        assert a.action == ladder_action(st, NOW)
        assert a.degraded
        assert a.propensity == 1.0
        assert a.model_version == "ladder"
    refused = {r.channel: r.reasons for r in answers[1].refusals}
    assert {Channel.SMS, Channel.PHONE, Channel.ROBOCALL} <= set(refused)
    assert all("phone number" in " ".join(refused[c]) for c in (Channel.SMS, Channel.PHONE))


def test_the_learned_answer_is_an_allowed_action_drawn_with_a_keyed_draw() -> None:
    states = _states()
    policy = tiny_policy(epsilon=0.5)
    base = synthetic_base(2, np.random.default_rng(1)).set_index(pd.Index([1, 2]))
    pinned = Pinned(policy, "m/1")
    first = decide_for(states, NOW, pinned, base=base)
    for a in first:
        options = allowed_actions(states[a.debtor_id], NOW)
        assert a.option is not None
        assert options[a.option] == a.action
        assert not a.degraded
        assert 0 < a.propensity <= 1
        assert a.model_version == "m/1"
        assert a.reasons
        assert a.shap
        assert a.versus_runner_up
        assert all(alt.action in options for alt in a.alternatives)
    again = decide_for(dict(reversed(list(states.items()))), NOW, pinned, base=base)
    assert {a.debtor_id: (a.option, a.propensity) for a in again} == {
        a.debtor_id: (a.option, a.propensity) for a in first
    }
    # the draw is keyed: over many versions the chosen option changes for some debtor
    versions = [replace(pinned, version=f"m/{v}") for v in range(30)]
    picks = {tuple(a.option for a in decide_for(states, NOW, m, base=base)) for m in versions}
    assert len(picks) > 1


def test_situations_list_the_allowed_actions_and_the_open_amount() -> None:
    (case,) = situations({1: _states()[1]}, NOW)
    assert case.state is not None
    assert case.options == allowed_actions(case.state, NOW)
    assert case.options[0].is_wait
    assert case.open_cents == 26_700


def test_a_learned_model_without_features_is_refused() -> None:
    with pytest.raises(ValueError, match="feature rows"):
        decide_for(_states(), NOW, Pinned(tiny_policy(), "m/1"))
