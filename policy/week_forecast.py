"""The contacts the policy is expected to send in the coming days: the decision path run forward.

The daily cycle plans one day at a time, so what is *planned* for next week is nearly nothing on
any given day. :func:`forecast_contacts` asks :func:`policy.decision_path.decide_for` at each of
the coming cycle moments, as the cycle would, and keeps the actions it would plan that day (a send
time on that local day). After each forecast contact the debtor's state moves on as the ledger
would record it (:func:`after_contact`): the contact counts for the one-a-day and minimum-gap
rules, the flow's stage and the ladder's level advance, a 14-day letter is on record. Invoices
expected to be paid (``paid_on``: e.g. the cash forecast's expected payment day) leave the state
from that day on, so a debtor who is expected to pay is not forecast a reminder.

A plan champion (:class:`policy.plan_pyfunc.PlanDunningPolicy`) keeps its plans: each debtor
starts with the plan in force (``plans``, read from the decision log by the caller), a plan chosen
at a forecast checkpoint stays in force on the following days, and the plan is chosen again only at
the next checkpoint (:func:`policy.plan_clock.at_checkpoint`: a new stage, the oldest due date
moving), as the scoring API would; ``base`` then holds the debtors' checkpoint state rows.

What it assumes, so cheaper than the real cycles: no dispute, pause, promise or complaint arrives
during the horizon; a learned model's features stay those of the first day (``base``, computed
once), and its draws are the keyed ones the cycle would make that day. This module must never
write anything or offer what the rules refuse: every action counted is one ``decide_for`` chose
from the rules' allowed actions.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from ledger.enums import Channel, Stage
from policy.actions import Action
from policy.decision_path import Answer, FeatureRows, Pinned, Situation, decide_for, situations
from policy.flow_state import DebtorState, stage_rank
from policy.fourteen_day_letter import LetterRecord
from policy.plan_clock import PlanInForce, at_checkpoint
from policy.plan_pyfunc import PlanDunningPolicy


@dataclass(frozen=True)
class ExpectedContact:
    day: date
    debtor_id: int
    channel: Channel
    stage: Stage
    cost_cents: int


def after_contact(state: DebtorState, action: Action) -> DebtorState:
    """The state once ``action`` is on record, as :func:`policy.state_from_ledger` would read it."""
    assert action.channel is not None
    letter = state.letter
    if action.stage == Stage.FOURTEEN_DAY_LETTER:
        letter = LetterRecord(
            sent_on=state.local_day(action.send_at),
            stated_costs_cents=action.collection_costs_cents,
            invoice_ids=action.invoice_ids,
        )
    stage = action.stage if stage_rank(action.stage) > stage_rank(state.stage) else state.stage
    return replace(
        state,
        contact_times=(*state.contact_times, action.send_at),
        stage=stage,
        ladder_done=state.ladder_done + 1,
        letter=letter,
    )


def without_paid(state: DebtorState, paid_on: Mapping[int, date], day: date) -> DebtorState:
    """The state on ``day`` without the invoices expected to be paid by then."""
    kept = tuple(i for i in state.invoices if paid_on.get(i.id, date.max) > day)
    return state if len(kept) == len(state.invoices) else replace(state, invoices=kept)


def plan_in_force(plan: PlanInForce | None, state: DebtorState, day: date) -> PlanInForce | None:
    """The plan still in force on ``day`` (no outcome arrives in a forecast); None: a checkpoint."""
    return None if at_checkpoint(plan, state.days_overdue(day), day, False) else plan


def _decide(
    live: Mapping[int, DebtorState],
    now: datetime,
    day: date,
    model: Pinned | None,
    base: FeatureRows | None,
    plans: dict[int, PlanInForce | None] | None,
    seed: int,
) -> list[Answer]:
    """One cycle's answers; a plan champion's with each debtor's plan in force."""
    states: Mapping[int, DebtorState] | list[Situation] = live
    if plans is not None:
        states = [
            replace(case, plan=plan_in_force(plans.get(case.debtor_id), live[case.debtor_id], day))
            for case in situations(live, now)
        ]
    return decide_for(
        states, now, model, base=base, day=day, seed=seed, explain=False, with_refusals=False
    )


def forecast_contacts(
    states: Mapping[int, DebtorState],
    moments: Iterable[datetime],
    model: Pinned | None = None,
    *,
    base: FeatureRows | None = None,
    paid_on: Mapping[int, date] | None = None,
    plans: Mapping[int, PlanInForce | None] | None = None,
    seed: int = 0,
) -> list[ExpectedContact]:
    """The contacts the cycles at ``moments`` (aware, one per day, in order) are expected to plan
    for these debtors. ``model`` None: the fixed ladder; learned: ``base`` as for ``decide_for``;
    a plan champion: ``plans`` in force at the start (missing: none, a checkpoint)."""
    current = dict(states)
    in_force = None
    if model is not None and isinstance(model.policy, PlanDunningPolicy):
        in_force = dict(plans or {})
    expected: list[ExpectedContact] = []
    for now in moments:
        ids: Sequence[int] = list(current)
        if not ids:
            break
        day = current[ids[0]].local_day(now)
        live = {i: without_paid(current[i], paid_on or {}, day) for i in ids}
        for answer in _decide(live, now, day, model, base, in_force, seed):
            if in_force is not None and answer.plan is not None:
                p = answer.plan
                in_force[answer.debtor_id] = PlanInForce(p.arm, p.chosen_on, p.dpd, p.propensity)
            action = answer.action
            if action.channel is None or live[answer.debtor_id].local_day(action.send_at) != day:
                continue  # a wait, or a send time the cycle leaves for that day's own cycle
            expected.append(
                ExpectedContact(day, answer.debtor_id, action.channel, action.stage,
                                action.cost_cents)
            )  # fmt: skip
            current[answer.debtor_id] = after_contact(live[answer.debtor_id], action)
    return expected
