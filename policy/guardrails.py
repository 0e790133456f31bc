"""The guardrails: :func:`check` says whether one action is allowed for one debtor, and why not.

Every rule no model may break is checked here, each refusal with a reason a person can read: the
dossier (excluded segment, paused, disputed, promise to pay, nothing owed), bundling (one contact
covers every dunnable invoice), the channel (enabled, reachable, not opted out, fit for the stage,
its address not found dead), the contact window, frequency (one contact a day, minimum gap), the
stage order, and the law on collection costs (NL 14-day letter, BE grace and cap, B2B). This module
must never return "ok" with reasons, or "not ok" without one, and must never consult a model."""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from ledger.channels import reach_of
from ledger.enums import Country, DebtorKind, Stage
from policy.actions import Action, Verdict
from policy.collection_costs import (
    be_first_reminder_grace_ends_on,
    collection_costs_cents,
    vat_add_on_applies,
)
from policy.contact_window import refusals
from policy.creditor_limits import WINDOW_DAYS
from policy.effective import NoRuleInForceError
from policy.flow_state import DebtorState, OpenInvoice, stage_rank
from policy.fourteen_day_letter import costs_due_on, letter_refusals


def costs_for(state: DebtorState, invoices: tuple[OpenInvoice, ...], day: date) -> int:
    """The collection costs the law allows over these invoices' open amounts on ``day``."""
    amounts = [i.open_amount_cents for i in invoices]
    if not amounts:
        return 0
    vat = state.country == Country.NL and vat_add_on_applies(
        vat_deductible=state.creditor.vat_deductible,
        collection_outsourced=state.creditor.collection_outsourced,
        stated_in_letter=True,
    )
    return collection_costs_cents(state.country, state.kind, amounts, on=day, vat_add_on=vat)


def costs_on(state: DebtorState, day: date) -> int | None:
    """:func:`costs_for` the invoices a contact on ``day`` covers (``state.dunnable(day)``); None
    when no collection-cost rule was in force that day (NL before the WIK, BE consumers before
    2024-09-01): no stage that carries costs may be used then."""
    # kept on the state: a candidate's bundle and its check both ask, and the costs' own cache
    # rarely knows a bundle (bundles differ from debtor to debtor)
    return state.kept(_costs_on, day)


def _costs_on(state: DebtorState, day: date) -> int | None:
    try:
        return costs_for(state, state.dunnable(day), day)
    except NoRuleInForceError:
        return None


def dossier_refusals(state: DebtorState, day: date) -> list[str]:
    """Reasons the whole dossier is closed to contact on ``day`` (any channel, any stage)."""
    reasons: list[str] = []
    if state.segment_excluded:
        reasons.append(f"segment {state.segment or '?'} is excluded from dunning")
    if state.paused:
        reasons.append("the dossier is paused")
    if state.handed_off:
        reasons.append("the dossier was handed off to collection; the flow has stopped")
    if state.disputed:
        reasons.append("the debtor disputes the claim; disputed dossiers leave the flow")
    until = state.promise_blocks_until()
    if until is not None and day <= until:
        reasons.append(
            f"promise to pay by {state.promise_date}; quiet until {until} "
            f"({state.config.promise_grace_days} days grace)"
        )
    if not state.dunnable(day):
        reasons.append(f"nothing to dun on {day}: no open, overdue, undisputed invoice")
    return reasons


def letter_problems(state: DebtorState) -> list[str]:
    """Why the debtor's 14-day letter (if any) does not count; empty when it does."""
    return list(state.kept(_letter_problems))


def _letter_problems(state: DebtorState) -> tuple[str, ...]:
    if state.letter is None:
        return ("no 14-day letter went out",)
    ids = set(state.letter.invoice_ids)
    due = [i.due_date for i in state.invoices if not ids or i.id in ids]
    return tuple(letter_refusals(state.letter, due)) if due else ()


def costs_earliest_day(state: DebtorState) -> tuple[date | None, list[str]]:
    """For consumers: the first day collection may start, or the reasons it cannot yet."""
    earliest, why = state.kept(_costs_earliest_day)
    return earliest, list(why)


def _costs_earliest_day(state: DebtorState) -> tuple[date | None, tuple[str, ...]]:
    if state.kind != DebtorKind.B2C:
        return None, ()
    if state.country == Country.BE:
        if not state.contact_times:
            return None, ("BE consumers first get a free reminder with 14 days' grace",)
        first = min(state.local_day(t) for t in state.contact_times)
        return be_first_reminder_grace_ends_on(first, by_post=True) + timedelta(days=1), ()
    if state.letter is None:
        return None, ("consumers owe collection costs only after a 14-day letter",)
    sent_on, bad = state.letter.sent_on, state.kept(_letter_problems)
    if bad:
        return None, tuple(f"the 14-day letter of {sent_on} is not valid: {r}" for r in bad)
    return costs_due_on(sent_on=sent_on, received_on=state.letter.received_on), ()


def channel_refusals(state: DebtorState, action: Action) -> list[str]:
    """The channel's part of :func:`check`: enabled, reachable, not opted out, its address not
    found unusable, fit for the stage, and the contact windows at the send time."""
    channel = action.channel
    assert channel is not None
    reasons: list[str] = []
    if channel not in state.creditor.channel_costs_cents:  # its keys are the enabled channels
        reasons.append(f"{channel} is not enabled for creditor {state.creditor.name}")
    if channel not in state.reachable:
        reasons.append(f"{channel} needs {reach_of(channel)}, which the debtor lacks")
    if channel in state.opted_out:
        reasons.append(f"the debtor opted out of {channel}")
    if channel in state.unusable:
        reasons.append(
            f"the debtor's {channel} address failed for good (bounced, refused or "
            "undeliverable); it is used again once the address changes"
        )
    if state.segment_channels is not None and channel not in state.segment_channels:
        reasons.append(f"{channel} is not allowed for segment {state.segment}")
    if channel not in state.config.channels_for(action.stage):
        reasons.append(f"{channel} may not be used for stage {action.stage}")
    reasons += refusals(state.windows(channel), action.send_at)
    return reasons


def _frequency_refusals(state: DebtorState, day: date) -> list[str]:
    reasons: list[str] = []
    gap = state.creditor.min_gap_days
    for other in state.contact_days():
        apart = abs((day - other).days)
        if apart == 0:
            reasons.append(f"there is already a contact on {day} (at most one per debtor per day)")
        elif apart < gap:
            reasons.append(f"within the minimum gap of {gap} days of the contact on {other}")
    return reasons + _budget_refusals(state, day)


def _budget_refusals(state: DebtorState, day: date) -> list[str]:
    """The creditor's limit on contacts per debtor: refused when some ``WINDOW_DAYS`` days that
    hold ``day`` hold that many contacts already (sent or planned, before or after it)."""
    limit = state.creditor.max_contacts_per_debtor
    if limit is None:
        return []
    window = timedelta(days=WINDOW_DAYS)
    near = [d for d in map(state.local_day, state.contact_times) if abs(d - day) < window]
    if len(near) < limit:
        return []
    for start in (day - timedelta(days=k) for k in range(WINDOW_DAYS)):
        held = sum(1 for d in near if start <= d < start + window)
        if held >= limit:
            return [
                f"{held} contacts already in the {WINDOW_DAYS} days from {start} (the "
                f"creditor's limit: {limit} per debtor)"
            ]
    return []


def _stage_refusals(state: DebtorState, action: Action, day: date) -> list[str]:
    stage, reasons = action.stage, []
    if stage_rank(stage) < stage_rank(state.stage):
        reasons.append(f"the flow does not go back from {state.stage} to {stage}")
    if action.tone not in state.config.stage_tones[stage]:
        reasons.append(f"tone {action.tone} does not fit stage {stage}")
    elif state.segment_tones is not None and action.tone not in state.segment_tones:
        reasons.append(f"tone {action.tone} is outside segment {state.segment}'s tone bounds")
    need, late = state.config.stage_min_days_overdue[stage], state.days_overdue(day)
    if late < need:
        reasons.append(f"{stage} starts {need} days after the due date; now {late}")
    consumer_nl = state.kind == DebtorKind.B2C and state.country == Country.NL
    if stage == Stage.FOURTEEN_DAY_LETTER:
        if not consumer_nl:
            reasons.append("the 14-day letter is for Dutch consumers only")
        elif not state.kept(_letter_problems):
            assert state.letter is not None
            reasons.append(f"a valid 14-day letter already went out on {state.letter.sent_on}")
    if stage == Stage.BAILIFF and state.stage != Stage.COLLECTION:
        reasons.append("the bailiff hand-off comes only after the collection stage")
    if stage in (Stage.COLLECTION, Stage.BAILIFF):
        earliest, why = state.kept(_costs_earliest_day)
        reasons += why
        if earliest is not None and day < earliest:
            reasons.append(f"collection costs are due only from {earliest}")
    return reasons


def _costs_refusals(state: DebtorState, action: Action, day: date) -> list[str]:
    amount = action.collection_costs_cents
    if amount < 0:
        return ["collection costs cannot be negative"]
    if action.stage in (Stage.REMINDER, Stage.PRE_COLLECTION):
        return [f"a {action.stage} carries no collection costs"] if amount else []
    allowed = costs_on(state, day)
    if allowed is None:
        return [
            f"no collection costs can be worked out for {day}: no rule on them for "
            f"{state.country} {state.kind} debtors was in force"
        ]
    if action.stage == Stage.FOURTEEN_DAY_LETTER:
        if amount != allowed or amount <= 0:
            return [f"the 14-day letter must state the exact costs: {allowed} cents, not {amount}"]
        return []
    cap = allowed
    if state.kind == DebtorKind.B2C and state.country == Country.NL and state.letter is not None:
        cap = min(cap, state.letter.stated_costs_cents)
    if amount > cap:
        return [f"collection costs {amount} cents exceed what may be charged: {cap} cents"]
    return []


def invoice_names(state: DebtorState, ids: Iterable[int]) -> str:
    """``F-1, F-2``: invoices by the numbers the debtor knows, never by our row ids. An id the
    state does not hold (an invoice paid or closed) is counted, not named."""
    numbers = {i.id: i.number for i in state.invoices}
    wanted = set(ids)
    named = sorted(numbers[i] for i in wanted if i in numbers)
    others = len(wanted) - len(named)
    if others:
        named.append(f"{others} invoice{'s' if others > 1 else ''} no longer open")
    return ", ".join(named)


def shared_refusals(state: DebtorState, action: Action) -> tuple[list[str], list[str]]:
    """The parts of :func:`check` that never read the action's channel: the reasons it lists
    before the channel's (dossier, bundling) and after them (frequency, stage, costs). They depend
    on the stage, tone, local send day, invoices and collection costs alone, so candidates that
    differ only in channel share them."""
    day = state.local_day(action.send_at)
    before = dossier_refusals(state, day)
    covered = state.dunnable(day)
    wanted, due_ids = set(action.invoice_ids), {i.id for i in covered}
    if wanted - due_ids:
        names = invoice_names(state, wanted - due_ids)
        before.append(f"not open and overdue on {day}: {names}")
    if due_ids - wanted:
        names = invoice_names(state, due_ids - wanted)
        before.append(f"one contact must cover every overdue invoice; missing {names}")
    after = _frequency_refusals(state, day)
    if covered:
        after += _stage_refusals(state, action, day)
        after += _costs_refusals(state, action, day)
    return before, after


def check(action: Action, state: DebtorState) -> Verdict:
    """Is ``action`` allowed for ``state``? Waiting always is; anything else is checked fully."""
    return check_channels([action], state)[0]


def check_channels(actions: Sequence[Action], state: DebtorState) -> list[Verdict]:
    """:func:`check` of each of ``actions``, which differ only in their channel: the part that
    never reads the channel (:func:`shared_refusals`) is worked out once for all of them."""
    shared: tuple[list[str], list[str]] | None = None
    out = []
    for action in actions:
        if action.is_wait:
            out.append(Verdict(True))
            continue
        at = action.send_at
        if at.tzinfo is None or at.utcoffset() is None:
            out.append(Verdict.of([f"send time {at.isoformat()} has no time zone"]))
            continue
        if shared is None:
            shared = shared_refusals(state, action)
        before, after = shared
        out.append(Verdict.of(before + channel_refusals(state, action) + after))
    return out
