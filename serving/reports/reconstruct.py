"""The ledger as it stood on an earlier day: open amount per invoice and DSO, reconstructed.

The ledger keeps each invoice's *current* open amount. The open amount at the end of day ``d`` is
that figure plus every allocation from a payment received after ``d``, for invoices issued on or
before ``d``. Written-off invoices are left out altogether (the ledger does not say when they were
written off). This module only reads; it never changes a row.
"""

from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from ledger.enums import InvoiceStatus
from ledger.tables import Invoice, Payment, PaymentAllocation


def open_by_invoice_at(session: Session, *, creditor_id: int, day: date) -> dict[int, int]:
    """``{invoice_id: open cents}`` at the end of ``day``, for invoices open then (> 0)."""
    rows = session.exec(
        select(Invoice.id, Invoice.open_amount_cents).where(
            Invoice.creditor_id == creditor_id,
            col(Invoice.issue_date) <= day,
            Invoice.status != InvoiceStatus.WRITTEN_OFF,
        )
    ).all()
    opened = {int(inv_id): int(cents) for inv_id, cents in rows if inv_id is not None}
    later = session.exec(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents))
        .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
        .where(PaymentAllocation.creditor_id == creditor_id, col(Payment.paid_on) > day)
        .group_by(col(PaymentAllocation.invoice_id))
    ).all()
    for inv_id, cents in later:
        if inv_id in opened:
            opened[inv_id] += int(cents or 0)
    return {inv_id: cents for inv_id, cents in opened.items() if cents > 0}


def open_amount_at(session: Session, *, creditor_id: int, day: date) -> int:
    return sum(open_by_invoice_at(session, creditor_id=creditor_id, day=day).values())


def invoiced_between(session: Session, *, creditor_id: int, after: date, until: date) -> int:
    """Sum invoiced with ``after < issue_date <= until`` (the DSO period of ledger.summary)."""
    total = session.exec(
        select(func.coalesce(func.sum(Invoice.amount_cents), 0)).where(
            Invoice.creditor_id == creditor_id,
            col(Invoice.issue_date) > after,
            col(Invoice.issue_date) <= until,
        )
    ).one()
    return int(total or 0)


def dso_at(session: Session, *, creditor_id: int, day: date, period_days: int = 90) -> float | None:
    """DSO by the period method of :mod:`ledger.summary`, as the ledger stood at ``day``."""
    sales = invoiced_between(
        session, creditor_id=creditor_id, after=day - timedelta(days=period_days), until=day
    )
    if sales <= 0:
        return None
    return round(open_amount_at(session, creditor_id=creditor_id, day=day) / sales * period_days, 1)


def collected_between(
    session: Session, *, creditor_id: int, after: date, until: date
) -> tuple[int, int]:
    """(number, cents) of payments received with ``after < paid_on <= until``."""
    count, total = session.exec(
        select(func.count(), func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.creditor_id == creditor_id,
            col(Payment.paid_on) > after,
            col(Payment.paid_on) <= until,
        )
    ).one()
    return int(count), int(total or 0)
