"""The creditor's own limits on the whole flow, enforced by the rules on every planned contact:

* ``contact_budget_cents`` — what contacts may cost in any 30 days: once the contacts sent and
  planned in the 30 days up to now, plus this one, would cost more, only free channels (e-mail)
  are left;
* ``complaint_limit_per_1000`` — complaints per 1,000 of its debtors in the last 30 days: at or
  above it, no calls (phone, robocall) and no firm tone until the rate drops.

The third, ``max_contacts_per_debtor`` (contacts with one debtor in any ``WINDOW_DAYS`` days), is
decided in :mod:`policy.guardrails` with the minimum gap: it reads only the debtor's own state, so
every caller enforces it without a count from the cycle.

:class:`CreditorUsage` is what the caller counted in the ledger (the scheduler, once per cycle,
adding each contact it plans). This module only decides; it must never read the ledger.
"""

from dataclasses import dataclass

from ledger.enums import Channel, Tone
from policy.actions import Action
from policy.money import format_eur

WINDOW_DAYS = 30
INTRUSIVE = frozenset({Channel.PHONE, Channel.ROBOCALL})


@dataclass
class CreditorUsage:
    """The creditor's last 30 days: contact costs (sent and planned), complaints, its debtors."""

    cost_cents: int = 0
    complaints: int = 0
    debtors: int = 0

    def complaint_rate(self) -> float:
        """Complaints per 1,000 debtors."""
        return 1000 * self.complaints / self.debtors if self.debtors else 0.0


def limit_refusals(
    action: Action,
    usage: CreditorUsage,
    *,
    budget_cents: int | None,
    complaint_limit_per_1000: float | None,
) -> list[str]:
    """Why the creditor's limits refuse ``action`` (empty when they allow it)."""
    reasons: list[str] = []
    if (
        budget_cents is not None
        and action.cost_cents > 0
        and usage.cost_cents + action.cost_cents > budget_cents
    ):
        reasons.append(
            f"contact budget: {format_eur(usage.cost_cents, 'en')} of "
            f"{format_eur(budget_cents, 'en')} spent in the last {WINDOW_DAYS} days; "
            f"{action.channel} costs {format_eur(action.cost_cents, 'en')}"
        )
    rate = usage.complaint_rate()
    if (
        complaint_limit_per_1000 is not None
        and rate >= complaint_limit_per_1000
        and (action.channel in INTRUSIVE or action.tone == Tone.FIRM)
    ):
        reasons.append(
            f"complaint limit: {rate:.1f} complaints per 1,000 debtors in the last "
            f"{WINDOW_DAYS} days (limit {complaint_limit_per_1000:g}); no calls or firm tone"
        )
    return reasons
