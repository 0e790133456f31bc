"""The fixed ladder: the default levels in order, segment overrides, and never a refused action."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from ledger.enums import Channel, DebtorKind, Stage, Tone
from policy import DEFAULT_LADDER, check, ladder_action
from policy.flow_state import DebtorState
from policy.fourteen_day_letter import LetterRecord
from policy.ladder import LadderConfigError, ladder_for, level_to_json, parse_ladder
from tests.policy.builders import ams, invoice, state

DUE = date(2026, 1, 30)  # a Friday


def walk(s: DebtorState, days: int) -> list[tuple[int, Stage, Channel | None, Tone]]:
    """Run the ladder day by day at 10:00, recording each contact as it is taken."""
    taken = []
    for d in range(days):
        now = ams(2026, 1, 30, 10, 0) + timedelta(days=d)
        action = ladder_action(s, now)
        if action.is_wait or s.local_day(action.send_at) != s.local_day(now):
            continue
        assert check(action, s).ok
        taken.append((d, action.stage, action.channel, action.tone))
        s = replace(
            s,
            contact_times=(*s.contact_times, action.send_at),
            ladder_done=s.ladder_done + 1,
            stage=action.stage,
        )
        if action.stage == Stage.FOURTEEN_DAY_LETTER:
            s = replace(s, letter=LetterRecord(s.local_day(now), action.collection_costs_cents))
    return taken


def test_default_ladder_b2b() -> None:
    s = state(kind=DebtorKind.B2B, invoices=(invoice(due=DUE),))
    taken = walk(s, 40)
    assert [(d, st, ch) for d, st, ch, _ in taken] == [
        (3, Stage.REMINDER, Channel.EMAIL),
        (10, Stage.REMINDER, Channel.EMAIL),
        (17, Stage.PRE_COLLECTION, Channel.SMS),
        (24, Stage.PRE_COLLECTION, Channel.PHONE),
        (31, Stage.COLLECTION, Channel.LETTER),  # day 30 is Sunday 1 March: Monday instead
    ]
    assert [t for *_, t in taken][:2] == [Tone.FRIENDLY, Tone.NEUTRAL]


def test_default_ladder_b2c_waits_for_the_letters_term() -> None:
    s = state(invoices=(invoice(due=DUE),), reachable=frozenset({Channel.EMAIL, Channel.LETTER}))
    taken = walk(s, 60)
    days = [(d, st, ch) for d, st, ch, _ in taken]
    # no phone: the +24 call cannot reach the debtor, so the cheapest usable channel takes it
    # (an "unreachable" outcome must move the flow on, not stop it), then the letter's term
    assert days == [
        (3, Stage.REMINDER, Channel.EMAIL),
        (10, Stage.REMINDER, Channel.EMAIL),
        (17, Stage.PRE_COLLECTION, Channel.LETTER),  # SMS unreachable: the next channel
        (24, Stage.PRE_COLLECTION, Channel.EMAIL),
        (31, Stage.FOURTEEN_DAY_LETTER, Channel.LETTER),
        (52, Stage.COLLECTION, Channel.LETTER),
    ]
    # a level whose channel is usable but refused (here: not yet its day) still waits
    assert "+24" in ladder_action(replace(s, ladder_done=3), ams(2026, 2, 20, 10, 0)).note


def test_default_ladder_b2c_full() -> None:
    s = state(invoices=(invoice(due=DUE),))
    taken = walk(s, 60)
    stages = [(d, st) for d, st, _, _ in taken]
    # day 30 is Sunday 1 March: the letter goes on Monday; collection once the term has passed
    # (no proof of receipt: sending + 21)
    assert (31, Stage.FOURTEEN_DAY_LETTER) in stages
    assert (52, Stage.COLLECTION) in stages


def test_segment_ladder_override_and_round_trip() -> None:
    raw = [
        {"days": 5, "channels": ["letter"], "tone": "neutral", "stage": "reminder"},
        {"days": 1, "channels": ["email"], "tone": "friendly", "stage": "reminder", "kind": "b2b"},
    ]
    levels = parse_ladder(raw)
    assert [lv.days_after_due for lv in levels] == [1, 5]
    assert parse_ladder([level_to_json(lv) for lv in levels]) == levels
    s = state(segment_ladder=tuple(raw))
    assert [lv.days_after_due for lv in ladder_for(s)] == [5]  # the b2b level is not for consumers
    assert ladder_for(state()) == tuple(lv for lv in DEFAULT_LADDER if lv.kind != DebtorKind.B2B)


@pytest.mark.parametrize(
    "raw",
    [
        {"channels": ["email"], "tone": "friendly", "stage": "reminder"},
        {"days": 1, "channels": ["fax"], "tone": "friendly", "stage": "reminder"},
        {"days": 1, "channels": [], "tone": "friendly", "stage": "reminder"},
        {"days": -1, "channels": ["email"], "tone": "friendly", "stage": "reminder"},
        {"days": 1, "channels": ["email"], "tone": "rude", "stage": "reminder"},
    ],
)
def test_bad_levels_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(LadderConfigError):
        parse_ladder([raw])


def test_finished_and_blocked_ladders_wait_with_a_note() -> None:
    done = ladder_action(state(ladder_done=99), ams(2026, 3, 3, 10, 0))
    assert done.is_wait
    assert "finished" in done.note
    early = ladder_action(state(invoices=(invoice(due=date(2026, 3, 2)),)), ams(2026, 3, 3, 10))
    assert early.is_wait
    assert "2026-03-05" in early.note
    paused = ladder_action(state(paused=True), ams(2026, 3, 3, 10, 0))
    assert paused.is_wait
    assert "paused" in paused.note


def test_a_dead_address_moves_each_level_to_the_stages_next_channel() -> None:
    """E-mail found dead: the e-mail levels go out by SMS (the cheapest other channel, ties in the
    order channels are declared), the stages and days unchanged; the +24 call stays a call."""
    s = state(
        kind=DebtorKind.B2B, invoices=(invoice(due=DUE),), unusable=frozenset({Channel.EMAIL})
    )
    taken = walk(s, 40)
    assert [(d, st, ch) for d, st, ch, _ in taken] == [
        (3, Stage.REMINDER, Channel.SMS),
        (10, Stage.REMINDER, Channel.SMS),
        (17, Stage.PRE_COLLECTION, Channel.SMS),
        (24, Stage.PRE_COLLECTION, Channel.PHONE),
        (31, Stage.COLLECTION, Channel.LETTER),
    ]


def test_a_dead_address_is_refused_by_check_with_a_reason() -> None:
    s = state(invoices=(invoice(due=DUE),), unusable=frozenset({Channel.EMAIL}))
    now = ams(2026, 2, 3, 10, 0)
    email = ladder_action(replace(s, unusable=frozenset()), now)
    assert email.channel == Channel.EMAIL
    verdict = check(email, s)
    assert not verdict.ok
    assert any("address failed for good" in r for r in verdict.reasons)
    assert Channel.EMAIL not in s.usable_channels()


def test_without_other_usable_channels_the_level_waits_and_says_why() -> None:
    s = state(
        invoices=(invoice(due=DUE),),
        reachable=frozenset({Channel.EMAIL}),
        unusable=frozenset({Channel.EMAIL}),
    )
    action = ladder_action(s, ams(2026, 2, 3, 10, 0))
    assert action.is_wait
    assert "address failed for good" in action.note
