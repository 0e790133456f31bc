"""Explanations of a plan choice: euros, costs and complaint risk against waiting and the
runner-up, from the model that decided, in English and Dutch, never a bare negative value."""

import numpy as np
import pandas as pd
import pytest

from features.plan_state import EXPECTED_DAYS_LATE
from policy.plan_choice import PlanObjective
from policy.plan_explain import STATE_TEXT, describe_feature, explain_plan
from policy.plan_model import ARM_COLUMNS, PlanModelParams, PlanValueModel

ARMS = pd.DataFrame([(3, 1, 7, 0), (1, 2, 14, 0), (-1, -1, 0, 1)], columns=list(ARM_COLUMNS))
CHANNELS, TONES = ("email", "sms", "letter", "phone", "robocall"), ("friendly", "neutral", "firm")


@pytest.fixture(scope="module")
def model() -> PlanValueModel:
    rng = np.random.default_rng(3)
    n = 1500
    state = pd.DataFrame(
        {"prior_mean_dpd": rng.uniform(0, 40, n), "promises_broken": rng.integers(0, 3, n)}
    )
    arm = rng.integers(0, 3, n)
    late = state["prior_mean_dpd"].to_numpy() / 40
    # the phone plan collects far more from late payers; waiting collects the base only
    collected = 200 + np.where(arm == 0, 300 * late, np.where(arm == 1, 100 * late, 0.0))
    cost = np.where(arm == 0, 12.0, np.where(arm == 1, 0.4, 0.0))
    complaints = np.where(arm == 0, 0.04, np.where(arm == 1, 0.01, 0.0))
    contacts = np.where(arm == 2, 0.0, 2.0)
    y = np.column_stack([collected + rng.normal(0, 5, n), cost, complaints, contacts])
    m = PlanValueModel(
        ARMS,
        ("prior_mean_dpd", "promises_broken"),
        (),
        PlanModelParams(rounds=60, baseline_rounds=20),
    )
    m.fit(state, arm, y)
    return m


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_choice_is_told_in_euros_against_waiting_and_the_runner_up(
    model: PlanValueModel, lang: str
) -> None:
    row = pd.DataFrame({"prior_mean_dpd": [36.0], "promises_broken": [1]})
    e = explain_plan(model, PlanObjective(), row, 0, [2, 1], CHANNELS, TONES, lang=lang)
    wait, runner = e.versus
    assert wait.collected_eur > 200
    assert wait.cost_eur > 0
    assert wait.net_eur > 0
    assert runner.net_eur > 0
    # the driver of the gain over waiting is the debtor's lateness, told in the client's language
    assert wait.drivers[0][0] == describe_feature("prior_mean_dpd", 36.0, lang)
    assert wait.drivers[0][1] > 0
    word = "wachten" if lang == "nl" else "waiting"
    assert word in e.text
    assert "€" in e.text
    assert "-" not in e.text.replace("e-mail", "")
    assert ("telefoongesprek" if lang == "nl" else "phone call") in e.text


def test_the_parts_add_up_to_the_net_difference(model: PlanValueModel) -> None:
    row = pd.DataFrame({"prior_mean_dpd": [10.0], "promises_broken": [0]})
    obj = PlanObjective(complaint_cost_eur=50.0)
    e = explain_plan(model, obj, row, 0, [2], CHANNELS, TONES)
    c = e.versus[0]
    assert c.net_eur == pytest.approx(c.collected_eur - c.cost_eur - 50.0 * c.complaint_risk)


def test_every_plan_state_feature_has_words() -> None:
    from simulator.debtor_history import STATE_FEATURES

    for name in STATE_FEATURES:
        for lang in ("en", "nl"):
            assert describe_feature(name, 0.5, lang)
    assert "segment" in STATE_TEXT


def test_facts_read_naturally_at_their_edges() -> None:
    assert describe_feature("days_since_contact", 365.0, "en") == "never contacted before"
    assert "early" in describe_feature("prior_mean_dpd", -3.0, "en")
    assert "te vroeg" in describe_feature("prior_mean_dpd", -3.0, "nl")
    assert describe_feature("paid_after_phone", float("nan"), "en") == "no phone call contact yet"
    late = "the payment-time model expects the oldest overdue invoice paid 12 days late"
    assert describe_feature(EXPECTED_DAYS_LATE, 12.2, "en") == late
    assert "12 dagen te laat" in describe_feature(EXPECTED_DAYS_LATE, 12.2, "nl")
    assert "no payment-time estimate" in describe_feature(EXPECTED_DAYS_LATE, float("nan"), "en")
    assert "geen verwachting" in describe_feature(EXPECTED_DAYS_LATE, float("nan"), "nl")
