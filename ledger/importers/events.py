"""Dossier events (and dispute outcomes) for what an import inserted, as bulk-insertable columns.

One event per inserted invoice (``invoice_imported``, dated at the issue date) and payment
(``payment_received``, dated at the payment date), plus ``dispute`` and ``credit_note`` events.
Same fields as :func:`ledger.dossier.record` sets; written in bulk by the writer because one ORM
object per event is too slow for a 250,000-line export. Payloads stay small (they are JSON).
"""

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from ledger.importers.batch import Batch
from ledger.importers.bulk import values
from ledger.tables import Outcome


def midnight(day: date | None, default: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else default


class EventColumns:
    """Accumulates dossier events column-wise."""

    def __init__(self, creditor_id: int, now: datetime, batch: Batch) -> None:
        self.creditor_id, self.now, self.source = creditor_id, now, batch.format
        self.columns: dict[str, list[Any]] = {
            k: [] for k in ("creditor_id", "debtor_id", "invoice_id", "occurred_at", "kind",
                            "actor", "payload", "recorded_at")
        }  # fmt: skip

    def add(self, kind: str, debtor: list[Any], invoice: list[Any], days: list[Any],
            payloads: list[dict[str, Any]]) -> None:  # fmt: skip
        n = len(payloads)
        cache: dict[Any, datetime] = {}
        c = self.columns
        c["creditor_id"] += [self.creditor_id] * n
        c["debtor_id"] += debtor
        c["invoice_id"] += invoice
        c["occurred_at"] += [
            cache.get(d) or cache.setdefault(d, midnight(d, self.now)) for d in days
        ]
        c["kind"] += [kind] * n
        c["actor"] += ["import"] * n
        c["payload"] += payloads
        c["recorded_at"] += [self.now] * n

    def invoices(self, inv: dict[str, list[Any]], invoice_ids: dict[str, int]) -> None:
        payloads = [
            {"number": n, "amount_cents": a, "source": self.source}
            for n, a in zip(inv["number"], inv["amount_cents"], strict=True)
        ]
        self.add("invoice_imported", inv["debtor_id"], [invoice_ids[n] for n in inv["number"]],
                 inv["issue_date"], payloads)  # fmt: skip

    def payments(self, pay: dict[str, list[Any]], targets: list[str],
                 invoice_ids: dict[str, int]) -> None:  # fmt: skip
        payloads = [
            {"external_ref": r, "amount_cents": a, "invoice_number": t or None,
             "source": self.source}
            for r, a, t in zip(pay["external_ref"], pay["amount_cents"], targets, strict=True)
        ]  # fmt: skip
        self.add("payment_received", pay["debtor_id"], [invoice_ids.get(t) for t in targets],
                 pay["paid_on"], payloads)  # fmt: skip

    def credit_notes(self, frame: pd.DataFrame, debtor_ids: dict[str, int]) -> None:
        if frame.empty:
            return
        cols = {c: values(frame[c]) for c in ("key", "amount_cents", "issue_date", "due_date",
                                               "cleared_on", "posting")}  # fmt: skip
        payloads = [
            {
                k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in zip(cols, row, strict=True)
            }
            | {"source": self.source}
            for row in zip(*cols.values(), strict=True)
        ]
        debtors = [debtor_ids[d] for d in frame["debtor_external_id"].tolist()]
        self.add("credit_note", debtors, [None] * len(frame), cols["issue_date"], payloads)


def disputes(session: Session, log: EventColumns, frame: pd.DataFrame,
             invoice_ids: dict[str, int], debtor_ids: dict[str, int]) -> None:  # fmt: skip
    """An Outcome of kind dispute plus a ``dispute`` dossier event per disputed invoice."""
    if frame.empty:
        return
    numbers = frame["invoice_number"].tolist()
    debtors = [debtor_ids[d] for d in frame["debtor_external_id"].tolist()]
    days, notes = values(frame["occurred_on"]), frame["note"].tolist()
    outcomes = [
        {"creditor_id": log.creditor_id, "debtor_id": d, "kind": "dispute",
         "occurred_at": midnight(day, log.now), "note": note}
        for d, day, note in zip(debtors, days, notes, strict=True)
    ]  # fmt: skip
    session.execute(sa.insert(Outcome.__table__), outcomes)  # type: ignore[attr-defined]
    payloads = [{"invoice_number": n, "note": t} for n, t in zip(numbers, notes, strict=True)]
    log.add("dispute", debtors, [invoice_ids[n] for n in numbers], days, payloads)
