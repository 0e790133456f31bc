"""What a debtor owes on a day, as a collection letter or a hand-off claims it: the open overdue
principal, the collection costs where the law allows them, and statutory interest.

Costs: businesses owe them after the due date without a letter (NL: at least 40.00); consumers
only from the day a valid 14-day letter makes them due (BE: after the free first reminder's
grace), see :func:`policy.guardrails.costs_earliest_day`. Interest: the statutory rate for the
debtor's kind from the day after each invoice's due date up to (not including) the claim's day
(:func:`policy.interest.statutory_interest`). This module only computes; it must never claim
costs the law does not allow, and it states why when it leaves them out.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from policy.effective import NoRuleInForceError
from policy.flow_state import DebtorState
from policy.guardrails import costs_earliest_day, costs_for
from policy.interest import statutory_interest


@dataclass(frozen=True)
class ClaimLine:
    number: str
    due_date: date
    principal_cents: int
    interest_from: date
    interest_cents: int


@dataclass(frozen=True)
class Claim:
    on: date
    lines: tuple[ClaimLine, ...]
    costs_cents: int
    costs_note: str  # why the costs are (not) claimed

    @property
    def principal_cents(self) -> int:
        return sum(line.principal_cents for line in self.lines)

    @property
    def interest_cents(self) -> int:
        return sum(line.interest_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.costs_cents + self.interest_cents


def claim_on(state: DebtorState, on: date) -> Claim:
    """The claim over the invoices open and overdue on ``on``."""
    invoices = state.dunnable(on)
    lines = []
    for inv in invoices:
        start = inv.due_date + timedelta(days=1)
        interest = 0
        if start < on:
            interest = statutory_interest(
                inv.open_amount_cents, kind=state.kind, start=start, end=on
            ).interest_cents
        lines.append(ClaimLine(inv.number, inv.due_date, inv.open_amount_cents, start, interest))
    earliest, why = costs_earliest_day(state)
    costs, note = 0, "; ".join(why)
    if not why and (earliest is None or earliest <= on):
        try:
            costs = costs_for(state, invoices, on)
            note = "collection costs per the statutory scale"
        except NoRuleInForceError:
            note = "no collection-cost rule in force on that day"
    elif not why:
        note = f"collection costs are due from {earliest}"
    return Claim(on, tuple(lines), costs, note)
