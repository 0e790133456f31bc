"""The candidate actions: :func:`allowed_actions` lists every action the rules allow right now.

For each stage the flow may be in and each usable channel, the earliest send time that satisfies
the window, the frequency rules and the stage's dates is found; each tone the stage allows makes one
candidate; a candidate is offered only when :func:`policy.guardrails.check` allows it (its verdict
is put together from ``check``'s own parts, each worked out once where candidates share it).
Waiting is always offered, first. This module must never offer an action that ``check`` refuses,
and never chooses between candidates (that is the value/choice half of the policy).
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from ledger.enums import Channel, Country, DebtorKind, Stage, Tone
from policy.actions import Action, one_per_tone, template_name, wait
from policy.contact_window import Window, next_allowed, refusals, require_aware
from policy.flow_state import DUNNABLE, STAGE_ORDER, DebtorState, stage_rank
from policy.guardrails import costs_earliest_day, costs_on, dossier_refusals, shared_refusals

E = TypeVar("E", Channel, Tone)


def _lower_bound_day(state: DebtorState, stage: Stage, today: date) -> date | None:
    """The earliest day this stage may be used, from dates alone (None: not in the horizon)."""
    first_due = state.kept(_first_due)
    if first_due is None:
        return None
    need = max(1, state.config.stage_min_days_overdue[stage])
    day = max(today, first_due + timedelta(days=need))
    until = state.promise_blocks_until()
    if until is not None:
        day = max(day, until + timedelta(days=1))
    if stage == Stage.REMINDER and state.creditor.bundle_days:
        day = state.kept(_bundled_day, day)
    if stage in (Stage.COLLECTION, Stage.BAILIFF):
        earliest, why = costs_earliest_day(state)
        if why:
            return None
        if earliest is not None:
            day = max(day, earliest)
    return day


def _bundled_day(state: DebtorState, day: date) -> date:
    """The creditor's bundling: a reminder on ``day`` waits for the invoices that fall overdue
    within ``bundle_days`` of it, so that they share one contact (never more than that long)."""
    soon = day + timedelta(days=state.creditor.bundle_days)
    coming = [
        i.due_date
        for i in state.invoices
        if i.status in DUNNABLE and i.open_amount_cents > 0 and day <= i.due_date < soon
    ]
    return max(coming) + timedelta(days=1) if coming else day


def _first_due(state: DebtorState) -> date | None:
    """The due date of the oldest invoice that is or will become dunnable."""
    owed = state.dunnable(date.max)
    return min(i.due_date for i in owed) if owed else None


def earliest_send(
    state: DebtorState, stage: Stage, channel: Channel, now: datetime
) -> datetime | None:
    """The first time at or after ``now`` that the window, the one-a-day rule, the minimum gap and
    the stage's dates allow for this channel; None when there is none within the horizon."""
    require_aware(now, "now")
    lower = _lower_bound_day(state, stage, state.local_day(now))
    if lower is None:
        return None
    return _first_slot(state, state.windows(channel), lower, now)


def _first_slot(
    state: DebtorState, windows: tuple[Window, ...], lower: date, now: datetime
) -> datetime | None:
    """The first time from ``lower`` (and ``now``) that the windows and the frequency rules
    allow. It depends on the stage and channel only through ``lower`` and ``windows``."""
    horizon = now + timedelta(days=state.config.horizon_days)
    gap = max(1, state.creditor.min_gap_days)
    booked = state.contact_days()
    t = max(now, state.day_start(lower))
    while t <= horizon:
        found = next_allowed(windows, t, within=horizon - t)
        if found is None:
            return None
        t = found
        day = state.local_day(t)
        clash = [other for other in booked if abs((day - other).days) < gap]
        if not clash:
            return t if t <= horizon else None
        t = state.day_start(max(clash) + timedelta(days=gap))
    return None


@lru_cache(maxsize=16)
def _stages(current: Stage, consumer_nl: bool) -> tuple[Stage, ...]:
    """The stages the flow may still take from ``current``, in order; the 14-day letter is for
    Dutch consumers only."""
    stages = [s for s in STAGE_ORDER if stage_rank(s) >= stage_rank(current)]
    if not consumer_nl:
        stages = [s for s in stages if s != Stage.FOURTEEN_DAY_LETTER]
    return tuple(stages)


def make_action(
    state: DebtorState, stage: Stage, channel: Channel, tone: Tone, send_at: datetime
) -> Action:
    """The action for these choices, with the bundle and the costs filled in from the rules."""
    bundle = _bundle(state, stage, state.local_day(send_at))
    return _action(state, stage, channel, tone, send_at, bundle)


def _bundle(state: DebtorState, stage: Stage, day: date) -> tuple[tuple[int, ...], int]:
    """The invoices a contact of this stage on ``day`` covers, and the collection costs it
    carries: the same for every channel and tone."""
    covered = state.dunnable(day)
    costs = 0
    if stage in (Stage.FOURTEEN_DAY_LETTER, Stage.COLLECTION, Stage.BAILIFF):
        # None: no cost rule that day, and check refuses the stage, saying so
        costs = costs_on(state, day) or 0
        if stage != Stage.FOURTEEN_DAY_LETTER and state.letter is not None:
            costs = min(costs, state.letter.stated_costs_cents)
    return tuple(i.id for i in covered), costs


def _action(
    state: DebtorState,
    stage: Stage,
    channel: Channel,
    tone: Tone,
    send_at: datetime,
    bundle: tuple[tuple[int, ...], int],
) -> Action:
    return Action(
        channel=channel,
        tone=tone,
        send_at=send_at,
        stage=stage,
        template=template_name(stage, tone, channel),
        invoice_ids=bundle[0],
        cost_cents=state.creditor.channel_costs_cents.get(channel, 0),
        collection_costs_cents=bundle[1],
    )


def allowed_actions(state: DebtorState, now: datetime) -> list[Action]:
    """Every action the rules allow, waiting first. All send times are at or after ``now``.

    Each candidate's verdict is :func:`check`'s, put together from its parts so that nothing is
    worked out twice: the bundle, its costs and the parts that do not read the channel once per
    stage and send day, the channel's part once per send time and windows, for all tones at once
    (``check`` reads the tone only to ask whether the stage allows it, and every tone here is one
    it allows).
    """
    require_aware(now, "now")
    idle = wait(state.stage, now)
    today = state.local_day(now)
    blocked = [r for r in dossier_refusals(state, today) if "nothing to dun" not in r]
    if blocked or not state.dunnable(date.max):
        return [idle]
    found: list[Action] = [idle]
    usable = state.usable_channels()
    # most channels share their windows (the very same tuple: told apart by identity, cheaper than
    # hashing windows), and stages often share their first day; the send time's local day is kept
    slots: dict[tuple[date, int], tuple[datetime, date] | None] = {}
    for stage in _stages(state.stage, state.kind == DebtorKind.B2C and state.country == Country.NL):
        # the channel's part of check beyond the windows holds for these: enabled, reachable
        # and not opted out (usable) and fit for the stage
        channels = _in_order(usable & state.config.channels_for(stage))
        tones = _in_order(state.tones_for(stage))
        if not channels or not tones:
            continue
        lower = _lower_bound_day(state, stage, today)
        if lower is None:
            continue
        # per send day: the bundle when the shared part of check allows it, else None
        bundles: dict[date, tuple[tuple[int, ...], int] | None] = {}
        for channel in channels:
            windows = state.windows(channel)
            key = (lower, id(windows))
            if key not in slots:
                first = _first_slot(state, windows, lower, now)
                if first is not None and not refusals(windows, first):
                    slots[key] = (first, state.local_day(first))
                else:
                    slots[key] = None
            slot = slots[key]
            if slot is None:
                continue
            send_at, day = slot
            if day in bundles:
                bundle = bundles[day]
                if bundle is not None:
                    found += _offers(state, stage, channel, tones, send_at, bundle)
                continue
            bundle = _bundle(state, stage, day)
            offers = _offers(state, stage, channel, tones, send_at, bundle)
            before, after = shared_refusals(state, offers[0])
            bundles[day] = None if before or after else bundle
            if bundles[day] is not None:
                found += offers
    return found


def _offers(
    state: DebtorState,
    stage: Stage,
    channel: Channel,
    tones: tuple[Tone, ...],
    send_at: datetime,
    bundle: tuple[tuple[int, ...], int],
) -> list[Action]:
    """:func:`_action` for each tone."""
    return one_per_tone(
        tones,
        channel=channel,
        send_at=send_at,
        stage=stage,
        invoice_ids=bundle[0],
        cost_cents=state.creditor.channel_costs_cents.get(channel, 0),
        collection_costs_cents=bundle[1],
    )


@lru_cache(maxsize=64)
def _in_order(choices: frozenset[E]) -> tuple[E, ...]:
    return tuple(sorted(choices))
