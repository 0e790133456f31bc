"""The candidate actions: :func:`allowed_actions` lists every action the rules allow right now.

For each stage the flow may be in and each usable channel, the earliest send time that satisfies
the window, the frequency rules and the stage's dates is found; each tone the stage allows makes one
candidate; every candidate is passed through :func:`policy.guardrails.check` before it is offered.
Waiting is always offered, first. This module must never offer an action that ``check`` refuses,
and never chooses between candidates (that is the value/choice half of the policy).
"""

from datetime import date, datetime, timedelta

from ledger.enums import Channel, Country, DebtorKind, Stage, Tone
from policy.actions import Action, template_name, wait
from policy.contact_window import next_allowed, require_aware, windows_for
from policy.flow_state import STAGE_ORDER, DebtorState, stage_rank
from policy.guardrails import check, costs_earliest_day, costs_for, dossier_refusals


def _lower_bound_day(state: DebtorState, stage: Stage, today: date) -> date | None:
    """The earliest day this stage may be used, from dates alone (None: not in the horizon)."""
    owed = [i.due_date for i in state.invoices if i.dunnable_on(date.max)]
    if not owed:
        return None
    need = max(1, state.config.stage_min_days_overdue[stage])
    day = max(today, min(owed) + timedelta(days=need))
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
    horizon = now + timedelta(days=state.config.horizon_days)
    windows = windows_for(state.country, channel, state.creditor.window())
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
    day = state.local_day(send_at)
    covered = state.dunnable(day)
    costs = 0
    if stage in (Stage.FOURTEEN_DAY_LETTER, Stage.COLLECTION, Stage.BAILIFF):
        costs = costs_for(state, covered, day)
        if stage != Stage.FOURTEEN_DAY_LETTER and state.letter is not None:
            costs = min(costs, state.letter.stated_costs_cents)
    return Action(
        channel=channel,
        tone=tone,
        send_at=send_at,
        stage=stage,
        template=template_name(stage, tone, channel),
        invoice_ids=tuple(i.id for i in covered),
        cost_cents=state.creditor.channel_costs_cents.get(channel, 0),
        collection_costs_cents=costs,
    )


def allowed_actions(state: DebtorState, now: datetime) -> list[Action]:
    """Every action the rules allow, waiting first. All send times are at or after ``now``."""
    require_aware(now, "now")
    idle = wait(state.stage, now)
    blocked = [
        r for r in dossier_refusals(state, state.local_day(now)) if "nothing to dun" not in r
    ]
    if blocked or not any(i.dunnable_on(date.max) for i in state.invoices):
        return [idle]
    found: list[Action] = [idle]
    for stage in _stages(state):
        for channel in sorted(state.usable_channels() & state.config.channels_for(stage)):
            send_at = earliest_send(state, stage, channel, now)
            if send_at is None:
                continue
            for tone in sorted(state.config.stage_tones[stage]):
                action = make_action(state, stage, channel, tone, send_at)
                if check(action, state).ok:
                    found.append(action)
    return found
