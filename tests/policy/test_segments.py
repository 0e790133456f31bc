"""Segments: tone bounds, assignment rules, and the rules honour the bounds (nothing outside them
is offered to the learned policy, and check refuses it naming the segment)."""

from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError

from ledger.enums import Channel, DebtorKind, Stage, Tone
from ledger.plans import CADENCES, PLAN_LABELS
from policy import allowed_actions, check, ladder_action
from policy.segments import (
    DebtorFacts,
    SegmentConfig,
    SegmentRule,
    ruled,
    segment_for,
    tones_between,
)
from tests.policy.builders import ams, invoice, state

NOW = ams(2026, 3, 10, 9)  # Tuesday; the invoice is 38 days overdue


def test_tones_between_is_inclusive_and_none_when_unbounded() -> None:
    assert tones_between(None, None) is None
    assert tones_between(None, "neutral") == {Tone.FRIENDLY, Tone.NEUTRAL}
    assert tones_between("firm", None) == {Tone.FIRM}


def test_a_segment_refuses_inverted_bounds_and_bad_ladders_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        SegmentConfig(name="s", min_tone=Tone.FIRM, max_tone=Tone.FRIENDLY)
    assert err.value.errors()[0]["loc"] == ("max_tone",)
    with pytest.raises(ValidationError) as err:
        SegmentConfig.model_validate({"name": "s", "ladder": [{"days": 3, "tone": "friendly"}]})
    assert err.value.errors()[0]["loc"] == ("ladder",)
    with pytest.raises(ValidationError):
        SegmentConfig.model_validate(
            {"name": "s", "rules": [{"max_open_cents": 1, "min_open_cents": 5}]}
        )


def _facts(**kw: object) -> DebtorFacts:
    base = {
        "id": 1,
        "external_id": "D1",
        "kind": "b2c",
        "country": "NL",
        "open_cents": 10_000,
        "tag": None,
    }
    return DebtorFacts(**{**base, **kw})  # type: ignore[arg-type]


def test_a_segments_plan_is_a_plan_its_own_bounds_allow() -> None:
    assert SegmentConfig(name="x", plan=" phone/neutral/7d ").plan == "phone/neutral/7d"
    assert SegmentConfig(name="x", plan="").plan is None
    for bad in ("fax/neutral/7d", "phone/loud/7d", "phone/neutral", "phone/neutral/7",
                "phone/neutral/0d", "phone/neutral/7d/x"):  # fmt: skip
        with pytest.raises(ValidationError, match="is not channel/tone/every N days") as err:
            SegmentConfig(name="x", plan=bad)
        assert err.value.errors()[0]["loc"] == ("plan",)
    # a well-formed plan off the grid: the learner has no such arm, so no one could serve it
    for off in ("phone/neutral/5d", "email/firm/30d"):
        with pytest.raises(ValidationError, match="not a plan the learner has") as err:
            SegmentConfig(name="x", plan=off)
        assert err.value.errors()[0]["loc"] == ("plan",)
        assert "/".join(map(str, CADENCES)) in str(err.value)
    assert {SegmentConfig(name="x", plan=label).plan for label in PLAN_LABELS} == set(PLAN_LABELS)
    with pytest.raises(ValidationError, match="phone is not among the segment's channels"):
        SegmentConfig(name="x", allowed_channels=[Channel.EMAIL], plan="phone/neutral/7d")
    with pytest.raises(ValidationError, match="firm is outside the segment's tone bounds"):
        SegmentConfig(name="x", max_tone=Tone.NEUTRAL, plan="letter/firm/14d")


def test_rules_match_on_every_condition_given_and_priority_decides() -> None:
    rows = [
        (1, 100, [{"kind": "b2c"}]),
        (2, 10, [{"tag": "groep"}, {"external_ids": ["IC-1", "IC-2"]}]),
        (3, 50, [{"min_open_cents": 500_000, "country": "NL"}]),
        (4, 1, None),  # no rules: assigned by hand
    ]
    tried = ruled(rows)
    assert [s.id for s in tried] == [2, 3, 1]
    assert segment_for(_facts(), tried) == 1
    assert segment_for(_facts(tag="groep"), tried) == 2
    assert segment_for(_facts(external_id="IC-2", kind="b2b"), tried) == 2
    assert segment_for(_facts(open_cents=600_000), tried) == 3
    assert segment_for(_facts(open_cents=600_000, country="BE", kind="b2b"), tried) is None
    assert not SegmentRule().matches(_facts())  # an empty rule matches nobody


def test_allowed_actions_stay_inside_the_segments_channels_and_tones() -> None:
    base = state(invoices=(invoice(due=date(2026, 1, 31)),))
    free = allowed_actions(base, NOW)
    assert {a.channel for a in free if a.channel} >= {Channel.SMS, Channel.PHONE, Channel.LETTER}
    assert Tone.FIRM in {a.tone for a in free if a.channel}
    bounded = replace(
        base,
        segment="loyal",
        segment_channels=frozenset({Channel.EMAIL, Channel.LETTER}),
        segment_tones=tones_between(None, Tone.NEUTRAL),
    )
    offered = [a for a in allowed_actions(bounded, NOW) if a.channel]
    assert offered
    assert {a.channel for a in offered} <= {Channel.EMAIL, Channel.LETTER}
    assert {a.tone for a in offered} <= {Tone.FRIENDLY, Tone.NEUTRAL}
    for action in free:
        if action.channel and (action.channel == Channel.SMS or action.tone == Tone.FIRM):
            verdict = check(action, bounded)
            assert not verdict.ok
            assert any("segment loyal" in r for r in verdict.reasons), verdict.reasons


def test_the_ladder_takes_the_nearest_tone_inside_the_bounds() -> None:
    late = state(invoices=(invoice(due=date(2026, 2, 20)),), kind=DebtorKind.B2B)  # 18 days late
    level = {"days": 10, "channels": ["email"], "tone": "firm", "stage": "pre_collection"}
    own = replace(late, segment="soft", segment_ladder=(level,))
    assert ladder_action(own, NOW).tone == Tone.FIRM
    bounded = replace(own, segment_tones=tones_between(None, Tone.NEUTRAL))
    action = ladder_action(bounded, NOW)
    assert (action.channel, action.tone, action.stage) == (
        Channel.EMAIL,
        Tone.NEUTRAL,
        Stage.PRE_COLLECTION,
    )
    assert check(action, bounded).ok
