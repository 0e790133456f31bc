""" "Send now": the next contact the rules allow today, chosen for a person who asks for it.

A finance user may want the next step of the flow to go out today rather than when the policy
would send it. :func:`send_now` answers with the action to send (the rules allow it today: the
contact windows, one contact a day, the minimum gap, the stage's days overdue, the legal costs,
the bundle of every overdue invoice) or with the rules' reasons it cannot go today, and the
earliest moment it could. The step is the fixed ladder's next level (its stage, channel order and
tone) when the rules allow it today, else the lowest stage the rules allow today, on the cheapest
channel, in the softest tone. This module must never offer what :func:`policy.guardrails.check`
refuses, and never writes or sends anything (the caller plans it through the outbox).
"""

from dataclasses import dataclass
from datetime import datetime

from ledger.enums import Channel
from policy.actions import Action
from policy.candidates import allowed_actions
from policy.contact_window import require_aware
from policy.flow_state import TONE_ORDER, DebtorState, stage_rank
from policy.guardrails import check, dossier_refusals
from policy.ladder import LadderLevel, level_action, level_channels, next_level


@dataclass(frozen=True)
class SendNow:
    """``action`` to send today, or ``None`` with the rules' ``reasons`` (never both empty) and
    the ``earliest`` moment the rules allow a contact (None: not within the horizon)."""

    action: Action | None
    reasons: tuple[str, ...] = ()
    earliest: datetime | None = None


def _preference(state: DebtorState, level: LadderLevel | None, a: Action) -> tuple[int, ...]:
    """Lower is better: the ladder's level (stage, its channels in order, its tone) first, then
    the lowest stage, the cheapest channel, the softest tone."""
    assert a.channel is not None
    chans = level_channels(state, level) if level is not None else ()
    return (
        0 if level is not None and a.stage == level.stage else 1,
        stage_rank(a.stage),
        chans.index(a.channel) if a.channel in chans else len(chans),
        a.cost_cents,
        0 if level is not None and a.tone == level.tone else 1,
        TONE_ORDER.index(a.tone),
    )


def _why_not_now(state: DebtorState, level: LadderLevel | None, now: datetime) -> list[str]:
    """The rules' reasons against the step right now: the dossier's, else the level's (or the
    current stage's) action on its first channel at ``now``."""
    day = state.local_day(now)
    closed = dossier_refusals(state, day)
    if closed:
        return closed
    if level is not None:
        channel = level_channels(state, level)[0]
        probe = level_action(state, level, channel, now)
    else:
        usable = sorted(state.usable_channels()) or [Channel.EMAIL]
        level = LadderLevel(0, (usable[0],), TONE_ORDER[0], state.stage)
        probe = level_action(state, level, usable[0], now)
    return list(check(probe, state).reasons) or ["no time left today that the rules allow"]


def send_now(state: DebtorState, now: datetime) -> SendNow:
    """The contact to send today for this debtor, or why none may go today."""
    require_aware(now, "now")
    today = state.local_day(now)
    level = next_level(state)
    offered = [a for a in allowed_actions(state, now) if not a.is_wait]
    today_ = [a for a in offered if state.local_day(a.send_at) == today]
    if today_:
        return SendNow(min(today_, key=lambda a: _preference(state, level, a)))
    earliest = min((a.send_at for a in offered), default=None)
    return SendNow(None, tuple(_why_not_now(state, level, now)), earliest)
