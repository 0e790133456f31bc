"""Reminders next week per channel with their cost: what is planned, and what the policy is
expected to plan (:func:`policy.week_forecast.forecast_contacts`).

The daily cycle plans one day at a time, so counting only ``planned`` contacts shows almost
nothing for next week. Here the decision path is run forward over the cycle's moments of the 7
days after ``as_of`` (``DUNFLOW_CYCLE_TIME`` on ``DUNFLOW_CYCLE_WEEKDAYS``, the creditor's zone)
for every debtor with an open invoice, from the ledger's state (planned contacts included, so the
rules keep them apart), with the invoices the cash forecast expects to be paid leaving on their
expected day. The policy is the served model when the caller hands one (its features as of
``as_of``, kept for the week; a plan champion's plans in force read from the decision log as the
scoring API reads them) and the fixed ladder otherwise (:mod:`serving.reports.served_policy`
chooses); :class:`NextWeek` says which. This module only reads.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger.enums import InvoiceStatus
from ledger.tables import Invoice
from policy import states_from_ledger
from policy.decision_path import LADDER_VERSION, FeatureRows, Pinned
from policy.plan_pyfunc import PlanDunningPolicy
from policy.week_forecast import ExpectedContact, forecast_contacts
from serving.api.plans_in_force import plans_in_force
from serving.reports.forecast import expected_pay_days
from serving.scheduler.settings import get_scheduler_settings

BaseFor = Callable[[list[int], datetime], FeatureRows]


@dataclass(frozen=True)
class ChannelPlan:
    channel: str
    contacts: int
    debtors: int
    cost_cents: int


@dataclass(frozen=True)
class ForecastPolicy:
    """A learned policy for the forecast and how to get its debtors' features at a moment."""

    model: Pinned
    base_for: BaseFor


@dataclass(frozen=True)
class NextWeek:
    expected: list[ChannelPlan]  # what the policy is expected to plan, per channel
    by: str  # the policy that forecast it: a model version or "ladder"
    cycles: int  # the cycle moments forecast

    @property
    def contacts(self) -> int:
        return sum(p.contacts for p in self.expected)

    @property
    def cost_cents(self) -> int:
        return sum(p.cost_cents for p in self.expected)


def cycle_moments(as_of: date, timezone: str, days: int = 7) -> list[datetime]:
    """The daily cycle's moments in the ``days`` after ``as_of``, in the creditor's zone."""
    settings = get_scheduler_settings()
    zone = ZoneInfo(timezone)
    coming = (as_of + timedelta(days=k) for k in range(1, days + 1))
    return [
        datetime.combine(day, settings.cycle_time, tzinfo=zone)
        for day in coming
        if settings.runs_on(day.weekday())
    ]


def per_channel(contacts: Sequence[ExpectedContact]) -> list[ChannelPlan]:
    count: dict[str, int] = defaultdict(int)
    cost: dict[str, int] = defaultdict(int)
    debtors: dict[str, set[int]] = defaultdict(set)
    for c in contacts:
        count[c.channel.value] += 1
        cost[c.channel.value] += c.cost_cents
        debtors[c.channel.value].add(c.debtor_id)
    return [ChannelPlan(ch, count[ch], len(debtors[ch]), cost[ch]) for ch in sorted(count)]


def expected_next_week(
    session: Session,
    *,
    creditor_id: int,
    as_of: date,
    timezone: str,
    policy: ForecastPolicy | None = None,
) -> NextWeek:
    """The contacts the policy is expected to plan in the 7 days after ``as_of``, per channel."""
    moments = cycle_moments(as_of, timezone)
    ids = sorted(
        session.exec(
            select(Invoice.debtor_id)
            .where(
                Invoice.creditor_id == creditor_id,
                col(Invoice.status).in_((InvoiceStatus.OPEN, InvoiceStatus.IN_COLLECTION)),
                Invoice.open_amount_cents > 0,
            )
            .distinct()
        ).all()
    )
    by = policy.model.version if policy is not None else LADDER_VERSION
    if not moments or not ids:
        return NextWeek([], by, len(moments))
    states = states_from_ledger(session, ids, moments[0])
    paid_on = expected_pay_days(session, creditor_id=creditor_id, as_of=as_of)
    model = policy.model if policy is not None else None
    # the features as of the digest's own day (the API's snapshot of today, when it is today)
    today = datetime.combine(as_of, time(12), tzinfo=ZoneInfo(timezone))
    base = policy.base_for(ids, today) if policy is not None else None
    plans = None
    if model is not None and isinstance(model.policy, PlanDunningPolicy):
        plans = plans_in_force(
            session.connection(), states, model.version, moments[0], ZoneInfo(timezone)
        )
    found = forecast_contacts(states, moments, model, base=base, paid_on=paid_on, plans=plans)
    return NextWeek(per_channel(found), by, len(moments))
