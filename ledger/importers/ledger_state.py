"""What the ledger already holds for one creditor, loaded in a few set-wise SELECTs as frames.

The reconciler compares an import batch against this snapshot (inside the import's transaction), so
a re-import is recognised as unchanged and a conflicting one is refused before anything is written.
"""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from ledger.tables import Creditor, Debtor, DossierEvent, Invoice, Outcome, Payment, Segment

DEBTOR_FIELDS = (
    "kind", "name", "email", "phone", "address_line", "postal_code", "city", "country",
    "language", "opted_out_channels",
)  # fmt: skip
INVOICE_FIELDS = (
    "number", "issue_date", "due_date", "amount_cents", "open_amount_cents", "currency",
    "status", "payment_reference", "paid_on",
)  # fmt: skip


@dataclass
class LedgerState:
    creditor_id: int | None
    debtors: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    segments: dict[str, int] = field(default_factory=dict)
    dispute_keys: set[str] = field(default_factory=set)
    credit_note_keys: set[str] = field(default_factory=set)


def _frame(session: Session, stmt: Any, columns: list[str]) -> pd.DataFrame:
    rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        frame[col] = pd.to_datetime(frame[col])
    return frame


def load(session: Session, creditor: str) -> LedgerState:
    c = Creditor.__table__.c  # type: ignore[attr-defined]
    cid = session.execute(sa.select(c.id).where(c.name == creditor)).scalar()
    d, i, p = Debtor.__table__.c, Invoice.__table__.c, Payment.__table__.c  # type: ignore[attr-defined]
    s = Segment.__table__.c  # type: ignore[attr-defined]
    debtor_cols = ["id", "external_id", *DEBTOR_FIELDS, "segment"]
    stmt = (
        # the label the import gave (its segment when no assignment rule moved the debtor since)
        sa.select(
            d.id, d.external_id, *[d[f] for f in DEBTOR_FIELDS], sa.func.coalesce(d.tag, s.name)
        )
        .outerjoin(Segment, s.id == d.segment_id)
        .where(d.creditor_id == (cid or -1))
    )
    debtors = _frame(session, stmt, debtor_cols)
    stmt = (
        sa.select(i.id, d.external_id, *[i[f] for f in INVOICE_FIELDS])
        .join(Debtor, d.id == i.debtor_id)
        .where(i.creditor_id == (cid or -1))
    )
    invoices = _frame(session, stmt, ["id", "debtor_external_id", *INVOICE_FIELDS])
    _dates(invoices, "issue_date", "due_date", "paid_on")
    stmt = sa.select(p.external_ref, p.amount_cents, p.paid_on).where(p.creditor_id == (cid or -1))
    payments = _dates(_frame(session, stmt, ["external_ref", "amount_cents", "paid_on"]), "paid_on")
    state = LedgerState(cid, debtors, invoices, payments)
    if cid is None:
        return state
    state.segments = dict(
        session.execute(sa.select(s.name, s.id).where(s.creditor_id == cid)).all()
    )
    o, e = Outcome.__table__.c, DossierEvent.__table__.c  # type: ignore[attr-defined]
    notes = session.execute(
        sa.select(o.note).where(o.creditor_id == cid, o.kind == "dispute")
    ).scalars()
    state.dispute_keys = {n for n in notes if n}
    payloads = session.execute(
        sa.select(e.payload).where(e.creditor_id == cid, e.kind == "credit_note")
    ).scalars()
    state.credit_note_keys = {str(pl.get("key")) for pl in payloads if isinstance(pl, dict)}
    return state
