"""Execute a reconciled :class:`~ledger.importers.reconcile.Plan` with set-wise statements.

Everything goes through bulk inserts and executemany updates (no per-row ORM flushes), inside the
caller's transaction, in dependency order: segments, debtors, invoices, payments, allocations,
invoice updates, outcomes, dossier events (see :mod:`ledger.importers.events`).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from ledger.importers import events
from ledger.importers.batch import Batch
from ledger.importers.bulk import ids, insert, values
from ledger.importers.reconcile import Plan
from ledger.tables import Debtor, DossierEvent, Invoice, Payment, PaymentAllocation, Segment
from ledger.types import utcnow

Progress = Callable[[str, int, int], None]
Columns = dict[str, list[Any]]

_DEBTOR_COLS = ("external_id", "kind", "name", "email", "phone", "address_line", "postal_code",
                "city", "country", "language", "opted_out_channels")  # fmt: skip
_OPTIONAL_TEXT = ("email", "phone", "address_line", "postal_code", "city", "country",
                  "payment_reference", "reference")  # fmt: skip


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def columns(frame: pd.DataFrame, names: dict[str, str]) -> Columns:
    """Frame columns (source → target name) as lists; '' becomes None in optional text columns."""
    out: Columns = {}
    for src, dst in names.items():
        data = values(frame[src])
        if dst in _OPTIONAL_TEXT:
            data = [None if v == "" else v for v in data]
        out[dst] = data
    return out


def write(session: Session, creditor_id: int, batch: Batch, plan: Plan,
          progress: Progress = _noop) -> None:  # fmt: skip
    now = utcnow()
    segments = _segments(session, creditor_id, plan)
    _write_debtors(session, creditor_id, plan, segments, now, progress)
    debtor_ids = ids(session, Debtor, "external_id", creditor_id)
    n_inv = len(plan.new_invoices)
    inv = columns(plan.new_invoices, {c: c for c in (
        "number", "issue_date", "due_date", "amount_cents", "open_amount_cents", "currency",
        "status", "payment_reference", "paid_on")})  # fmt: skip
    inv["debtor_id"] = [debtor_ids[d] for d in plan.new_invoices["debtor_external_id"].tolist()]
    inv["creditor_id"], inv["created_at"] = [creditor_id] * n_inv, [now] * n_inv
    insert(session, Invoice, inv, "invoices", progress)
    invoice_ids = ids(session, Invoice, "number", creditor_id)
    n_pay = len(plan.new_payments)
    pay = columns(plan.new_payments, {c: c for c in (
        "external_ref", "paid_on", "amount_cents", "reference", "source")})  # fmt: skip
    pay["debtor_id"] = [debtor_ids.get(d) for d in plan.new_payments["debtor_external_id"]]
    pay["creditor_id"], pay["created_at"] = [creditor_id] * n_pay, [now] * n_pay
    insert(session, Payment, pay, "payments", progress)
    payment_ids = ids(session, Payment, "external_ref", creditor_id)
    al = plan.allocations
    insert(session, PaymentAllocation, {
        "payment_id": [payment_ids[r] for r in al["external_ref"].tolist()],
        "invoice_id": [invoice_ids[n] for n in al["invoice_number"].tolist()],
        "amount_cents": values(al["amount_cents"]), "creditor_id": [creditor_id] * len(al),
    }, "allocations", progress)  # fmt: skip
    _update_invoices(session, plan.invoice_updates)
    log = events.EventColumns(creditor_id, now, batch)
    log.invoices(inv, invoice_ids)
    log.payments(pay, plan.new_payments["invoice_number"].tolist(), invoice_ids)
    events.disputes(session, log, plan.new_disputes, invoice_ids, debtor_ids)
    log.credit_notes(plan.new_credit_notes, debtor_ids)
    insert(session, DossierEvent, log.columns, "dossier", progress)


def _segments(session: Session, creditor_id: int, plan: Plan) -> dict[str, int]:
    frames = [f for f in (plan.new_debtors, plan.changed_debtors) if "segment" in f.columns]
    names = sorted({n for f in frames for n in f["segment"] if n})
    known = ids(session, Segment, "name", creditor_id)
    missing = [{"creditor_id": creditor_id, "name": n} for n in names if n not in known]
    if missing:
        session.execute(sa.insert(Segment.__table__), missing)  # type: ignore[attr-defined]
        known = ids(session, Segment, "name", creditor_id)
    return known


def _debtor_columns(frame: pd.DataFrame, segments: dict[str, int]) -> Columns:
    cols = columns(frame, {c: c for c in _DEBTOR_COLS if c in frame.columns})
    names = frame["segment"].tolist() if "segment" in frame.columns else [""] * len(frame)
    cols["segment_id"] = [segments.get(n) if n else None for n in names]
    cols["tag"] = [n or None for n in names]  # kept: segment assignment rules may match on it
    return cols


def _write_debtors(session: Session, creditor_id: int, plan: Plan, segments: dict[str, int],
                   now: datetime, progress: Progress) -> None:  # fmt: skip
    new = _debtor_columns(plan.new_debtors, segments)
    n = len(plan.new_debtors)
    new["creditor_id"], new["created_at"] = [creditor_id] * n, [now] * n
    insert(session, Debtor, new, "debtors", progress)
    if plan.changed_debtors.empty:
        return
    changed = _debtor_columns(plan.changed_debtors, segments)
    changed.pop("external_id")
    t: sa.Table = Debtor.__table__  # type: ignore[attr-defined]
    for i, debtor_id in enumerate(plan.changed_debtors["id"].tolist()):
        row = {k: v[i] for k, v in changed.items()}
        session.execute(sa.update(t).where(t.c.id == int(debtor_id)).values(**row))


def _update_invoices(session: Session, updates: pd.DataFrame) -> None:
    if updates.empty:
        return
    t: sa.Table = Invoice.__table__  # type: ignore[attr-defined]
    stmt = (
        sa.update(t)
        .where(t.c.id == sa.bindparam("b_id"))
        .values(open_amount_cents=sa.bindparam("b_open"), status=sa.bindparam("b_status"),
                paid_on=sa.bindparam("b_paid"))
    )  # fmt: skip
    cols = columns(updates, {"id": "b_id", "open_amount_cents": "b_open", "status": "b_status",
                             "paid_on": "b_paid"})  # fmt: skip
    rows = [dict(zip(cols, r, strict=True)) for r in zip(*cols.values(), strict=True)]
    session.connection().execute(stmt, rows)
