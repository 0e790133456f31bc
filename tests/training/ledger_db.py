"""Write a synthetic ledger (frames) into a real database, for CLI and end-to-end tests."""

from datetime import UTC

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from features.loading import LedgerFrames
from ledger.tables import Creditor


def _dates(s: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v.date() for v in s]


def write_ledger(engine: Engine, frames: LedgerFrames, creditor: str = "Acme") -> None:
    """Creditor 1 (and 2, when the frames use it) with debtors and invoices; paid invoices paid."""
    f = frames.normalised()
    now = pd.Timestamp("2024-06-01", tz="UTC").to_pydatetime().replace(tzinfo=None)
    with engine.begin() as conn:
        for cid in sorted(f.debtors["creditor_id"].unique()):
            # through the model, so every column the ledger has gains its declared default
            name = creditor if cid == 1 else f"{creditor} {cid}"
            row = Creditor(id=int(cid), name=name, allowed_weekdays=[0, 1, 2, 3, 4, 5])
            values = row.model_dump(exclude_none=True) | {"created_at": now.replace(tzinfo=UTC)}
            conn.execute(sa.insert(Creditor.__table__).values(**values))  # type: ignore[attr-defined]
        deb = f.debtors
        conn.execute(
            sa.text(
                "INSERT INTO debtor (id, creditor_id, external_id, kind, name, email, language,"
                " opted_out_channels, created_at) VALUES (:id, :cid, :ext, :kind, :name, :email,"
                " 'nl', '[]', :now)"
            ),
            [
                {"id": int(i), "cid": int(c), "ext": f"D{i}", "kind": k, "name": f"Debtor {i}",
                 "email": f"d{i}@example.org", "now": now}
                for i, c, k in zip(deb["debtor_id"], deb["creditor_id"], deb["kind"], strict=True)
            ],
        )  # fmt: skip
        inv = f.invoices
        rows = zip(
            inv["invoice_id"], inv["debtor_id"], inv["creditor_id"], _dates(inv["issue_ts"]),
            _dates(inv["due_ts"]), _dates(inv["paid_ts"]), inv["amount"], strict=True,
        )  # fmt: skip
        conn.execute(
            sa.text(
                "INSERT INTO invoice (id, creditor_id, debtor_id, number, issue_date, due_date,"
                " amount_cents, open_amount_cents, currency, status, paid_on, created_at) VALUES"
                " (:id, :cid, :did, :num, :issue, :due, :amt, :open, 'EUR', :status, :paid, :now)"
            ),
            [
                {"id": int(i), "cid": int(c), "did": int(d), "num": f"INV{i}", "issue": iss,
                 "due": due, "amt": round(a * 100), "open": 0 if paid else round(a * 100),
                 "status": "paid" if paid else "open", "paid": paid, "now": now}
                for i, d, c, iss, due, paid, a in rows
            ],
        )  # fmt: skip
