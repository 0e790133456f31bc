"""The contacts the policy is expected to send in the coming days: the decision path run forward.

The daily cycle plans one day at a time, so what is *planned* for next week is nearly nothing on
any given day. :func:`forecast_contacts` asks :func:`policy.decision_path.decide_for` at each of
the coming cycle moments, as the cycle would, and keeps the actions it would plan that day (a send
time on that local day). After each forecast contact the debtor's state moves on as the ledger
would record it (:func:`after_contact`): the contact counts for the one-a-day and minimum-gap
rules, the flow's stage and the ladder's level advance, a 14-day letter is on record. Invoices
expected to be paid (``paid_on``: e.g. the cash forecast's expected payment day) leave the state
from that day on, so a debtor who is expected to pay is not forecast a reminder.

What it assumes, so cheaper than the real cycles: no dispute, pause, promise or complaint arrives
during the horizon; a learned model's features stay those of the first day (``base``, computed
once), and its draws are the keyed ones the cycle would make that day. This module must never
write anything or offer what the rules refuse: every action counted is one ``decide_for`` chose
from the rules' allowed actions.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from ledger.enums import Channel, Stage
from policy.actions import Action
from policy.decision_path import Pinned, decide_for
from policy.encoding import EncodedBase
from policy.flow_state import DebtorState, stage_rank
from policy.fourteen_day_letter import LetterRecord


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


def forecast_contacts(
    states: Mapping[int, DebtorState],
    moments: Iterable[datetime],
    model: Pinned | None = None,
    *,
    base: pd.DataFrame | EncodedBase | None = None,
    paid_on: Mapping[int, date] | None = None,
    seed: int = 0,
) -> list[ExpectedContact]:
    """The contacts the cycles at ``moments`` (aware, one per day, in order) are expected to plan
    for these debtors. ``model`` None: the fixed ladder; learned: ``base`` as for ``decide_for``."""
    current = dict(states)
    expected: list[ExpectedContact] = []
    for now in moments:
        ids: Sequence[int] = list(current)
        if not ids:
            break
        day = current[ids[0]].local_day(now)
        live = {i: without_paid(current[i], paid_on or {}, day) for i in ids}
        answers = decide_for(
            live, now, model, base=base, day=day, seed=seed, explain=False, with_refusals=False
        )
        for answer in answers:
            action = answer.action
            if action.channel is None or live[answer.debtor_id].local_day(action.send_at) != day:
                continue  # a wait, or a send time the cycle leaves for that day's own cycle
            expected.append(
                ExpectedContact(day, answer.debtor_id, action.channel, action.stage,
                                action.cost_cents)
            )  # fmt: skip
            current[answer.debtor_id] = after_contact(live[answer.debtor_id], action)
    return expected
