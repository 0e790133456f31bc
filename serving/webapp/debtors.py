"""The Debtors page's rows: every debtor of one creditor with what the rules make of it now
(:func:`policy.states_from_ledger`: segment, stage, paused, disputed, promise), searched,
filtered, sorted and cut into pages.

Filters and sort keys are declared once here (:class:`DebtorQuery`); the route parses the query
string into it, so a bad value is a 422 naming the parameter. This module only reads the ledger.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from ledger.tables import Debtor
from policy import states_from_ledger
from policy.flow_state import DebtorState

Status = Literal["active", "paused", "disputed", "promise", "quiet"]
SortKey = Literal["name", "open", "overdue", "stage"]


class DebtorQuery(BaseModel):
    """The Debtors page's query string."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field(default="", max_length=100, description="Part of the name or debtor number.")
    segment: str = Field(default="", max_length=100, description="Segment name (empty: all).")
    stage: str = Field(default="", max_length=24, description="Dunning stage (empty: all).")
    status: Status | Literal[""] = Field(default="", description="Dossier status (empty: all).")
    min_open_euros: int | None = Field(default=None, ge=0, le=10**9, description="Open at least.")
    min_days_overdue: int | None = Field(default=None, ge=0, le=10_000)
    sort: SortKey = "overdue"
    desc: bool = True
    page: int = Field(default=1, ge=1, le=100_000)


@dataclass(frozen=True)
class DebtorRow:
    id: int
    external_id: str
    name: str
    segment: str | None
    stage: str
    status: str
    open_cents: int
    open_invoices: int
    days_overdue: int


@dataclass(frozen=True)
class DebtorPage:
    rows: list[DebtorRow]
    total: int
    page: int
    pages: int
    segments: list[str]
    stages: list[str]


def status_of(state: DebtorState, day: date) -> str:
    if state.paused:
        return "paused"
    if state.disputed:
        return "disputed"
    if state.promise_date is not None and state.promise_date >= day:
        return "promise"
    if not any(i.open_amount_cents > 0 for i in state.invoices):
        return "quiet"
    return "active"


def _row(debtor: Debtor, state: DebtorState, day: date) -> DebtorRow:
    owed = [i for i in state.invoices if i.open_amount_cents > 0]
    overdue = [(day - i.due_date).days for i in owed if i.due_date < day]
    return DebtorRow(
        id=debtor.id or 0,
        external_id=debtor.external_id,
        name=debtor.name,
        segment=state.segment,
        stage=state.stage.value,
        status=status_of(state, day),
        open_cents=sum(i.open_amount_cents for i in owed),
        open_invoices=len(owed),
        days_overdue=max(overdue, default=0),
    )


def _keep(row: DebtorRow, query: DebtorQuery) -> bool:
    needle = query.q.strip().lower()
    checks = (
        not needle or needle in row.name.lower() or needle in row.external_id.lower(),
        not query.segment or row.segment == query.segment,
        not query.stage or row.stage == query.stage,
        not query.status or row.status == query.status,
        query.min_open_euros is None or row.open_cents >= query.min_open_euros * 100,
        query.min_days_overdue is None or row.days_overdue >= query.min_days_overdue,
    )
    return all(checks)


_SORT = {
    "name": lambda r: (r.name.lower(), r.id),
    "open": lambda r: (r.open_cents, r.id),
    "overdue": lambda r: (r.days_overdue, r.open_cents, r.id),
    "stage": lambda r: (r.stage, r.id),
}


def debtor_page(
    session: Session, creditor_id: int, now: datetime, query: DebtorQuery, page_size: int
) -> DebtorPage:
    debtors = session.exec(
        select(Debtor).where(Debtor.creditor_id == creditor_id).order_by(col(Debtor.id))
    ).all()
    day = now.date()
    states = states_from_ledger(session, [d.id or 0 for d in debtors], now)
    rows = [_row(d, states[d.id or 0], day) for d in debtors if (d.id or 0) in states]
    kept = sorted((r for r in rows if _keep(r, query)), key=_SORT[query.sort], reverse=query.desc)
    pages = max(1, -(-len(kept) // page_size))
    page = min(query.page, pages)
    return DebtorPage(
        rows=kept[(page - 1) * page_size : page * page_size],
        total=len(kept),
        page=page,
        pages=pages,
        segments=sorted({r.segment for r in rows if r.segment}),
        stages=sorted({r.stage for r in rows}),
    )
