"""The state of one creditor's ledger at a glance: counts, open amount, aging and DSO.

DSO uses the standard period method: open receivables ÷ amounts invoiced in the last
``period_days`` × ``period_days``, both as of ``as_of``. Aging counts every invoice still open
(open, paused, disputed, in collection) by how many days its due date lies behind ``as_of``.
"""

import difflib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ledger.tables import Creditor, Debtor, Invoice, Payment

_LISTED = 10  # known creditor names an error message lists
OPEN_STATUSES = ("open", "paused", "disputed", "in_collection")
AGING_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


class UnknownCreditorError(LookupError):
    """No creditor of that name; the message suggests the closest names and lists known ones."""

    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        self.name, self.known = name, list(known)
        close = difflib.get_close_matches(name, self.known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(repr(k) for k in self.known[:_LISTED])
        more = f" and {len(self.known) - _LISTED} more" if len(self.known) > _LISTED else ""
        listed = f" (known: {shown}{more})" if self.known else " (the ledger has no creditors yet)"
        super().__init__(f"creditor {name!r} not found{hint}{listed}")


@dataclass
class LedgerSummary:
    creditor: str
    as_of: date
    debtors: int
    invoices: int
    open_invoices: int
    payments: int
    invoiced_amount_cents: int
    open_amount_cents: int
    paid_amount_cents: int
    aging: dict[str, dict[str, int]] = field(default_factory=dict)
    dso_days: float | None = None
    dso_period_days: int = 90

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def find_creditor(session: Session, name: str) -> Creditor:
    creditor = session.exec(select(Creditor).where(Creditor.name == name)).first()
    if creditor is None:
        names = session.exec(select(Creditor.name).order_by(Creditor.name)).all()
        raise UnknownCreditorError(name, names)
    return creditor


def summarize(
    session: Session, *, creditor_name: str, as_of: date, period_days: int = 90
) -> LedgerSummary:
    creditor = find_creditor(session, creditor_name)
    cid = creditor.id
    is_open = sa.and_(col(Invoice.creditor_id) == cid, col(Invoice.status).in_(OPEN_STATUSES))

    def scalar(stmt: Any) -> int:
        return int(session.exec(stmt).one() or 0)

    aging: dict[str, dict[str, int]] = {}
    for name, low, high in AGING_BUCKETS:
        due_from = None if high is None else as_of - timedelta(days=high)
        due_to = None if low is None else as_of - timedelta(days=low)
        conds = [is_open]
        if due_from is not None:
            conds.append(col(Invoice.due_date) >= due_from)
        if due_to is not None:
            conds.append(col(Invoice.due_date) <= due_to)
        count, amount = session.exec(
            select(func.count(), func.coalesce(func.sum(Invoice.open_amount_cents), 0)).where(
                *conds
            )
        ).one()
        aging[name] = {"invoices": int(count), "open_amount_cents": int(amount)}

    open_amount = sum(b["open_amount_cents"] for b in aging.values())
    period_start = as_of - timedelta(days=period_days)
    sales = scalar(
        select(func.coalesce(func.sum(Invoice.amount_cents), 0)).where(
            Invoice.creditor_id == cid,
            col(Invoice.issue_date) > period_start,
            col(Invoice.issue_date) <= as_of,
        )
    )
    return LedgerSummary(
        creditor=creditor.name,
        as_of=as_of,
        debtors=scalar(select(func.count()).where(Debtor.creditor_id == cid)),
        invoices=scalar(select(func.count()).where(Invoice.creditor_id == cid)),
        open_invoices=sum(b["invoices"] for b in aging.values()),
        payments=scalar(select(func.count()).where(Payment.creditor_id == cid)),
        invoiced_amount_cents=scalar(
            select(func.coalesce(func.sum(Invoice.amount_cents), 0)).where(
                Invoice.creditor_id == cid
            )
        ),
        open_amount_cents=open_amount,
        paid_amount_cents=scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                Payment.creditor_id == cid
            )
        ),
        aging=aging,
        dso_days=round(open_amount / sales * period_days, 1) if sales > 0 else None,
        dso_period_days=period_days,
    )
