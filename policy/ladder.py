"""The fixed ladder that Odoo and OCA users run today: the baseline and the fallback.

Levels are data: days after the (oldest) due date, channels in order of preference, tone, stage,
and optionally the debtor kind they apply to. A segment may bring its own ladder
(``Segment.ladder`` JSON, a list of level mappings). :func:`ladder_action` takes the next level not
yet done once its day has come, on the first channel the rules allow (when none of the level's
channels can reach the debtor — a dead address, ``DebtorState.unusable``, an opt-out, a channel
switched off or outside the segment — on the stage's next usable channel), at the earliest allowed
time; otherwise it waits. This module must never send something :func:`policy.guardrails.check`
refuses.

To add a ladder level: append a mapping ``{"days": 45, "channels": ["letter"], "tone": "firm",
"stage": "collection", "kind": "b2b"}`` to the segment's ladder (or to ``DEFAULT_LADDER`` for all);
levels are taken in ``days`` order.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.enums import Channel, DebtorKind, Stage, Tone
from policy.actions import Action, wait
from policy.candidates import earliest_send, make_action
from policy.contact_window import require_aware
from policy.flow_state import TONE_ORDER, DebtorState, stage_rank
from policy.guardrails import check


class LadderConfigError(ValueError):
    """A ladder level in a segment's configuration is malformed."""


@dataclass(frozen=True)
class LadderLevel:
    days_after_due: int
    channels: tuple[Channel, ...]
    tone: Tone
    stage: Stage
    kind: DebtorKind | None = None  # None: both kinds


_DECLARED = tuple(Channel)  # ties in cost go in the order the channels are declared
_E, _S, _L, _P = Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.PHONE
DEFAULT_LADDER: tuple[LadderLevel, ...] = (
    LadderLevel(3, (_E,), Tone.FRIENDLY, Stage.REMINDER),
    LadderLevel(10, (_E,), Tone.NEUTRAL, Stage.REMINDER),
    LadderLevel(17, (_S, _L), Tone.NEUTRAL, Stage.PRE_COLLECTION),
    LadderLevel(24, (_P,), Tone.NEUTRAL, Stage.PRE_COLLECTION),
    LadderLevel(30, (_L,), Tone.FIRM, Stage.FOURTEEN_DAY_LETTER, DebtorKind.B2C),
    LadderLevel(30, (_L, _E), Tone.FIRM, Stage.COLLECTION, DebtorKind.B2B),
    # consumers: collection once the letter's term has passed (sent +30, no proof of receipt: +21)
    LadderLevel(51, (_L,), Tone.FIRM, Stage.COLLECTION, DebtorKind.B2C),
)


def parse_level(raw: Mapping[str, Any]) -> LadderLevel:
    """One level from its JSON form; a clear error naming the field otherwise."""
    try:
        days = int(raw["days"])
        channels = tuple(Channel(c) for c in raw["channels"])
        tone, stage = Tone(raw["tone"]), Stage(raw["stage"])
        kind = DebtorKind(raw["kind"]) if raw.get("kind") else None
    except KeyError as exc:
        raise LadderConfigError(f"ladder level {dict(raw)} lacks {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise LadderConfigError(f"ladder level {dict(raw)}: {exc}") from None
    if days < 0 or not channels:
        raise LadderConfigError(f"ladder level {dict(raw)}: days >= 0 and a channel are needed")
    return LadderLevel(days, channels, tone, stage, kind)


def level_to_json(level: LadderLevel) -> dict[str, Any]:
    return {
        "days": level.days_after_due,
        "channels": [c.value for c in level.channels],
        "tone": level.tone.value,
        "stage": level.stage.value,
        "kind": level.kind.value if level.kind else None,
    }


def parse_ladder(raw: Sequence[Mapping[str, Any]]) -> tuple[LadderLevel, ...]:
    return tuple(sorted((parse_level(r) for r in raw), key=lambda lv: lv.days_after_due))


def ladder_for(state: DebtorState) -> tuple[LadderLevel, ...]:
    """The levels that apply to this debtor: the segment's ladder or the default, for its kind."""
    levels = DEFAULT_LADDER if state.segment_ladder is None else parse_ladder(state.segment_ladder)
    return tuple(lv for lv in levels if lv.kind in (None, state.kind))


def level_channels(state: DebtorState, level: LadderLevel) -> tuple[Channel, ...]:
    """The level's channels; when none of them can reach the debtor (a dead address, marked
    unreachable, opted out, switched off, outside the segment), the stage's usable ones after
    them, cheapest first: a dead address changes the channel, never the step of the flow."""
    usable = state.usable_channels()
    if any(c in usable for c in level.channels):
        return level.channels
    costs = state.creditor.channel_costs_cents
    spare = (usable & state.config.channels_for(level.stage)) - set(level.channels)
    ordered = sorted(spare, key=lambda c: (costs.get(c, 0), _DECLARED.index(c)))
    return (*level.channels, *ordered)  # the unusable ones stay: their refusals explain a wait


def _within(state: DebtorState, level: LadderLevel) -> Tone:
    """The level's tone, or the nearest one the stage and the segment's tone bounds allow."""
    allowed = state.tones_for(level.stage)
    if level.tone in allowed or not allowed:
        return level.tone  # none allowed: check refuses it and says why
    at = TONE_ORDER.index(level.tone)
    return min(allowed, key=lambda t: abs(TONE_ORDER.index(t) - at))


def next_level(state: DebtorState) -> LadderLevel | None:
    """The ladder's next level not yet done (levels are never skipped, but those of a stage the
    flow is already past are); None when the ladder is finished."""
    levels = ladder_for(state)
    index = state.ladder_done
    while index < len(levels) and stage_rank(levels[index].stage) < stage_rank(state.stage):
        index += 1  # the flow is already past this level's stage
    return levels[index] if index < len(levels) else None


def level_action(state: DebtorState, level: LadderLevel, channel: Channel, at: datetime) -> Action:
    """The level's action on ``channel`` at ``at``, in the level's tone (or the nearest allowed)."""
    return make_action(state, level.stage, channel, _within(state, level), at)


def ladder_action(state: DebtorState, now: datetime) -> Action:
    """The fixed ladder's action for this debtor now: the next level not yet done once its day
    has come (levels are never skipped), or a wait whose note says why."""
    require_aware(now, "now")
    level = next_level(state)
    if level is None:
        return wait(state.stage, now, "ladder finished")
    today = state.local_day(now)
    if state.days_overdue(today) < level.days_after_due:
        owed = [i.due_date for i in state.invoices if i.open_amount_cents > 0]
        when = min(owed) + timedelta(days=level.days_after_due) if owed else None
        return wait(state.stage, now, f"next level (+{level.days_after_due} days) on {when}")
    reasons: list[str] = []
    for channel in level_channels(state, level):
        send_at = earliest_send(state, level.stage, channel, now)
        if send_at is None:
            reasons.append(f"{channel}: no allowed time within the horizon")
            continue
        action = level_action(state, level, channel, send_at)
        verdict = check(action, state)
        if verdict.ok:
            return action
        reasons.append(f"{channel}: {'; '.join(verdict.reasons)}")
    return wait(state.stage, now, f"level +{level.days_after_due} refused: " + " | ".join(reasons))
