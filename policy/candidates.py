"""The candidate actions: :func:`allowed_actions` lists every action the rules allow right now.

For each stage the flow may be in and each usable channel, the earliest send time that satisfies
the window, the frequency rules and the stage's dates is found; each tone the stage allows makes one
candidate; a candidate is offered only when :func:`policy.guardrails.check` allows it (its verdict
is put together from ``check``'s own parts, each worked out once where candidates share it).
Waiting is always offered, first. This module must never offer an action that ``check`` refuses,
and never chooses between candidates (that is the value/choice half of the policy).
"""

from datetime import date, datetime, timedelta

from ledger.enums import Channel, Country, DebtorKind, Stage, Tone
from policy.actions import Action, template_name, wait
from policy.contact_window import Window, next_allowed, require_aware
from policy.flow_state import STAGE_ORDER, DebtorState, stage_rank
from policy.guardrails import (
    channel_refusals,
    costs_earliest_day,
    costs_for,
    dossier_refusals,
    shared_refusals,
)


def _lower_bound_day(state: DebtorState, stage: Stage, today: date) -> date | None:
    """The earliest day this stage may be used, from dates alone (None: not in the horizon)."""
    owed = state.dunnable(date.max)
    if not owed:
        return None
    need = max(1, state.config.stage_min_days_overdue[stage])
    day = max(today, min(i.due_date for i in owed) + timedelta(days=need))
    until = state.promise_blocks_until()
    if until is not None:
        day = max(day, until + timedelta(days=1))
    if stage in (Stage.COLLECTION, Stage.BAILIFF):
        earliest, why = costs_earliest_day(state)
        if why:
            return None
        if earliest is not None:
            day = max(day, earliest)
    return day


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


def _stages(state: DebtorState) -> list[Stage]:
    stages = [s for s in STAGE_ORDER if stage_rank(s) >= stage_rank(state.stage)]
    if state.kind != DebtorKind.B2C or state.country != Country.NL:
        stages = [s for s in stages if s != Stage.FOURTEEN_DAY_LETTER]
    return stages


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
        costs = costs_for(state, covered, day)
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
    stage and send day, the channel's part once per stage and channel, for all tones at once
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
    # most channels share their windows, and stages often share their first day
    slots: dict[tuple[date, tuple[Window, ...]], datetime | None] = {}
    for stage in _stages(state):
        channels = sorted(state.usable_channels() & state.config.channels_for(stage))
        if not channels:
            continue
        lower = _lower_bound_day(state, stage, today)
        if lower is None:
            continue
        tones = sorted(state.config.stage_tones[stage])
        bundles: dict[date, tuple[tuple[int, ...], int]] = {}
        shared_ok: dict[date, bool] = {}
        for channel in channels:
            windows = state.windows(channel)
            if (lower, windows) not in slots:
                slots[lower, windows] = _first_slot(state, windows, lower, now)
            send_at = slots[lower, windows]
            if send_at is None or not tones:
                continue
            day = state.local_day(send_at)
            if day not in bundles:
                bundles[day] = _bundle(state, stage, day)
            first = _action(state, stage, channel, tones[0], send_at, bundles[day])
            if day not in shared_ok:
                before, after = shared_refusals(state, first)
                shared_ok[day] = not before and not after
            if shared_ok[day] and not channel_refusals(state, first):
                found.append(first)
                found += [
                    _action(state, stage, channel, tone, send_at, bundles[day])
                    for tone in tones[1:]
                ]
    return found
