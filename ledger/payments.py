"""Recording one payment as it arrives (API, bank feed): allocate it oldest invoice first.

Bulk imports have their own vectorised path (``ledger.importers``); this is the single-payment path
with the same rule: a partial payment lowers the open amount, the one that clears an invoice marks
it paid on the payment date, and any excess stays unallocated on the payment.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import Invoice, Payment, PaymentAllocation

OPEN = ("open", "paused", "disputed", "in_collection")


@dataclass
class PaymentResult:
    payment: Payment
    allocated: dict[int, int] = field(default_factory=dict)  # invoice id -> cents
    paid_invoices: list[int] = field(default_factory=list)
    duplicate: bool = False


def record_payment(
    session: Session,
    *,
    creditor_id: int,
    debtor_id: int,
    amount_cents: int,
    paid_on: date,
    external_ref: str,
    reference: str | None = None,
    source: str = "api",
    invoice_ids: list[int] | None = None,
    occurred_at: datetime | None = None,
) -> PaymentResult:
    """Record and allocate; the same ``external_ref`` twice records nothing new. The ``payment``
    dossier event is stamped ``occurred_at`` (None: the wall clock)."""
    if amount_cents <= 0:
        raise ValueError("amount_cents must be positive")
    existing = session.exec(
        select(Payment).where(
            Payment.creditor_id == creditor_id, Payment.external_ref == external_ref
        )
    ).first()
    if existing is not None:
        return PaymentResult(existing, duplicate=True)
    payment = Payment(
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        amount_cents=amount_cents,
        paid_on=paid_on,
        reference=reference,
        external_ref=external_ref,
        source=source,
    )
    session.add(payment)
    session.flush()
    stmt = select(Invoice).where(
        Invoice.creditor_id == creditor_id,
        Invoice.debtor_id == debtor_id,
        col(Invoice.status).in_(OPEN),
        col(Invoice.open_amount_cents) > 0,
    )
    if invoice_ids:
        stmt = stmt.where(col(Invoice.id).in_(invoice_ids))
    result = PaymentResult(payment)
    left = amount_cents
    for inv in session.exec(stmt.order_by(col(Invoice.due_date), col(Invoice.id))):
        if left <= 0:
            break
        take = min(left, inv.open_amount_cents)
        left -= take
        inv.open_amount_cents -= take
        if inv.open_amount_cents == 0:
            inv.status, inv.paid_on = "paid", paid_on
            result.paid_invoices.append(inv.id or 0)
        session.add(inv)
        session.add(
            PaymentAllocation(
                payment_id=payment.id or 0,
                invoice_id=inv.id or 0,
                creditor_id=creditor_id,
                amount_cents=take,
            )
        )
        result.allocated[inv.id or 0] = take
    dossier.record(
        session,
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        kind="payment",
        actor=source,
        occurred_at=occurred_at,
        payload={
            "payment_id": payment.id,
            "amount_cents": amount_cents,
            "allocated": {str(k): v for k, v in result.allocated.items()},
            "unallocated_cents": left,
        },
    )
    return result
