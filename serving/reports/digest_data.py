"""The weekly digest's figures for one creditor as of one day: :class:`DigestData`.

Everything here comes from the ledger, except two injected inputs: the cash forecast (a
:class:`~serving.reports.forecast.CashForecaster`; ``None`` uses the leak-free baseline) and the
learned flow's effect (:class:`~serving.reports.flow_effect.FlowEffect`; ``None`` renders "not
measured yet"). The figures:

* outstanding now, aging and DSO — :func:`ledger.summary.summarize` (the ledger's current state);
* outstanding a week earlier and the 12-week DSO trend — reconstructed as the ledger stood at each
  week's end (:mod:`serving.reports.reconstruct`);
* collected this week — payments received in ``as_of − 6 … as_of``;
* reminders going out next week — ``Contact`` rows with status ``planned`` and ``scheduled_at``
  from ``as_of + 1`` 00:00 to ``as_of + 8`` 00:00 in the creditor's time zone, per channel with
  their cost, plus what the policy is expected to plan in those days
  (:mod:`serving.reports.reminder_forecast`: the decision path run over the week's cycles, the
  served model when handed one, else the ladder);
* invoices that need attention — :mod:`serving.reports.attention`.

This module computes; it never renders, sends or writes.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from ledger.enums import ContactStatus
from ledger.summary import AGING_BUCKETS, find_creditor, summarize
from ledger.tables import Contact
from serving.reports.attention import SHOWN, AttentionItem, attention_items
from serving.reports.flow_effect import FlowEffect
from serving.reports.forecast import BASELINE, BaselineForecaster, CashForecaster, WeekCash
from serving.reports.reconstruct import collected_between, dso_at, open_amount_at
from serving.reports.reminder_forecast import (
    ChannelPlan,
    ForecastPolicy,
    NextWeek,
    expected_next_week,
)

TREND_WEEKS = 12
FORECAST_WEEKS = 4


@dataclass(frozen=True)
class AgingBucket:
    name: str  # not_due, 1-30, 31-60, 61-90, 90+
    invoices: int
    open_amount_cents: int


@dataclass(frozen=True)
class DsoPoint:
    week_end: date
    dso_days: float | None


@dataclass(frozen=True)
class NextWeekRow:
    channel: str
    planned: int
    expected: int  # by the policy's forecast, beyond what is planned
    cost_cents: int  # of both


@dataclass(frozen=True)
class DigestData:
    creditor_id: int
    creditor_name: str
    logo_path: str | None
    timezone: str
    as_of: date
    outstanding_cents: int
    outstanding_week_ago_cents: int
    open_invoices: int
    aging: list[AgingBucket]
    dso_days: float | None
    dso_period_days: int
    dso_trend: list[DsoPoint]
    collected_count: int
    collected_cents: int
    next_week: list[ChannelPlan]
    next_week_forecast: NextWeek
    attention: list[AttentionItem]
    cash_forecast: list[WeekCash] | None
    flow_effect: FlowEffect | None
    cash_forecast_by: str = BASELINE  # the payment-time model's version, or the baseline

    @property
    def outstanding_change_cents(self) -> int:
        return self.outstanding_cents - self.outstanding_week_ago_cents

    @property
    def next_week_start(self) -> date:
        return self.as_of + timedelta(days=1)

    @property
    def next_week_end(self) -> date:
        return self.as_of + timedelta(days=7)

    @property
    def next_week_planned(self) -> int:
        return sum(p.contacts for p in self.next_week)

    @property
    def next_week_contacts(self) -> int:
        """Planned and expected by the policy."""
        return self.next_week_planned + self.next_week_forecast.contacts

    @property
    def next_week_cost_cents(self) -> int:
        planned = sum(p.cost_cents for p in self.next_week)
        return planned + self.next_week_forecast.cost_cents

    @property
    def next_week_rows(self) -> list[NextWeekRow]:
        """Per channel: planned, expected beyond that, and the cost of both."""
        planned = {p.channel: p for p in self.next_week}
        expected = {p.channel: p for p in self.next_week_forecast.expected}
        rows = []
        for channel in sorted(planned.keys() | expected.keys()):
            p, e = planned.get(channel), expected.get(channel)
            rows.append(
                NextWeekRow(
                    channel,
                    p.contacts if p else 0,
                    e.contacts if e else 0,
                    (p.cost_cents if p else 0) + (e.cost_cents if e else 0),
                )
            )
        return rows

    @property
    def attention_top(self) -> list[AttentionItem]:
        """The most urgent items, as many as a person reads."""
        return self.attention[:SHOWN]

    @property
    def attention_more(self) -> int:
        """How many items are left out of :attr:`attention_top`."""
        return max(0, len(self.attention) - SHOWN)

    @property
    def forecast_total_cents(self) -> int:
        return sum(w.expected_cents for w in self.cash_forecast or [])


def planned_next_week(
    session: Session, *, creditor_id: int, as_of: date, timezone: str
) -> list[ChannelPlan]:
    """Planned contacts scheduled in the 7 days after ``as_of`` (local time), per channel."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=zone)
    end = datetime.combine(as_of + timedelta(days=8), time(0), tzinfo=zone)
    rows = session.exec(
        select(
            Contact.channel,
            func.count(),
            func.count(func.distinct(Contact.debtor_id)),
            func.coalesce(func.sum(Contact.cost_cents), 0),
        )
        .where(
            Contact.creditor_id == creditor_id,
            Contact.status == ContactStatus.PLANNED,
            col(Contact.scheduled_at) >= start,
            col(Contact.scheduled_at) < end,
        )
        .group_by(col(Contact.channel))
        .order_by(col(Contact.channel))
    ).all()
    return [ChannelPlan(str(ch), int(n), int(d), int(c or 0)) for ch, n, d, c in rows]


def dso_trend(
    session: Session, *, creditor_id: int, as_of: date, period_days: int, weeks: int = TREND_WEEKS
) -> list[DsoPoint]:
    """DSO at the end of each of the last ``weeks`` weeks, oldest first, ending on ``as_of``."""
    days = [as_of - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]
    return [
        DsoPoint(d, dso_at(session, creditor_id=creditor_id, day=d, period_days=period_days))
        for d in days
    ]


def build_digest(
    session: Session,
    *,
    creditor_name: str,
    as_of: date,
    cash_forecast: list[WeekCash] | None = None,
    forecaster: CashForecaster | None = None,
    flow_effect: FlowEffect | None = None,
    period_days: int = 90,
    policy: ForecastPolicy | None = None,
) -> DigestData:
    """The digest of ``creditor_name`` as of ``as_of``. ``cash_forecast`` wins over
    ``forecaster``; with neither, :class:`BaselineForecaster` makes the forecast. ``policy``
    forecasts next week's reminders (None: the fixed ladder)."""
    creditor = find_creditor(session, creditor_name)
    if creditor.id is None:  # pragma: no cover - a stored creditor always has an id
        raise ValueError("creditor without id")
    cid = creditor.id
    summary = summarize(session, creditor_name=creditor_name, as_of=as_of, period_days=period_days)
    week_ago = as_of - timedelta(days=7)
    count, collected = collected_between(session, creditor_id=cid, after=week_ago, until=as_of)
    by = "given"
    if cash_forecast is None:
        chosen = forecaster or BaselineForecaster()
        cash_forecast = chosen.forecast(session, creditor_id=cid, as_of=as_of, weeks=FORECAST_WEEKS)
        by = chosen.by
    return DigestData(
        creditor_id=cid,
        creditor_name=creditor.name,
        logo_path=creditor.logo_path,
        timezone=creditor.timezone,
        as_of=as_of,
        outstanding_cents=summary.open_amount_cents,
        outstanding_week_ago_cents=open_amount_at(session, creditor_id=cid, day=week_ago),
        open_invoices=summary.open_invoices,
        aging=[
            AgingBucket(
                name, summary.aging[name]["invoices"], summary.aging[name]["open_amount_cents"]
            )
            for name, _, _ in AGING_BUCKETS
        ],
        dso_days=summary.dso_days,
        dso_period_days=period_days,
        dso_trend=dso_trend(session, creditor_id=cid, as_of=as_of, period_days=period_days),
        collected_count=count,
        collected_cents=collected,
        next_week=planned_next_week(
            session, creditor_id=cid, as_of=as_of, timezone=creditor.timezone
        ),
        next_week_forecast=expected_next_week(
            session, creditor_id=cid, as_of=as_of, timezone=creditor.timezone, policy=policy
        ),
        attention=attention_items(
            session, creditor_id=cid, as_of=as_of, timezone=creditor.timezone
        ),
        cash_forecast=cash_forecast,
        flow_effect=flow_effect,
        cash_forecast_by=by,
    )
