"""Ledger → pandas frames: the event streams the point-in-time builders read.

Time convention (used everywhere in ``features``): every timestamp is ``datetime64[us, UTC]``. A
calendar date D (issue, due, paid, promised) becomes **UTC midnight at the start of D**. An event at
time e is visible as of t iff ``e < t`` (strictly). So an invoice paid on D counts as paid for any
as-of time after D 00:00 UTC, and as of an invoice's issue date (its own 00:00) nothing dated that
same day is visible: not the invoice itself, not a payment booked that day.

Only facts with their own timestamp are read. Columns that hold *current* state (``Invoice.status``,
``open_amount_cents``, ``created_at``) are never loaded, because as of a past t they would leak.
This module reads; it never writes to the ledger.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

TS = "datetime64[us, UTC]"


class UnknownCreditorError(LookupError):
    """The creditor asked for is not in the ledger."""


@dataclass(frozen=True)
class LedgerFrames:
    """The ledger as frames. Ids are the ledger's ids; money is float EUR.

    - ``debtors``: debtor_id, creditor_id, kind, segment, country, reach_email, reach_phone,
      reach_letter
    - ``invoices``: invoice_id, debtor_id, creditor_id, issue_ts, due_ts, paid_ts (NaT while open),
      amount
    - ``contacts``: contact_id, debtor_id, ts (sent), channel, tone, stage
    - ``contact_invoices``: contact_id, invoice_id
    - ``outcomes``: debtor_id, contact_id, kind, ts, promised_ts
    - ``dossier``: debtor_id, invoice_id, kind, ts
    """

    debtors: pd.DataFrame
    invoices: pd.DataFrame
    contacts: pd.DataFrame
    contact_invoices: pd.DataFrame
    outcomes: pd.DataFrame
    dossier: pd.DataFrame

    def normalised(self) -> "LedgerFrames":
        """The same frames with the dtypes the builders rely on (idempotent)."""
        inv = self.invoices.copy()
        for col in ("issue_ts", "due_ts", "paid_ts"):
            inv[col] = to_utc(inv[col])
        inv["due_ts"] = inv[["due_ts", "issue_ts"]].max(axis=1)  # a due date before issue is a typo
        inv["paid_ts"] = inv["paid_ts"].where(
            inv["paid_ts"].isna() | (inv["paid_ts"] >= inv["issue_ts"]), inv["issue_ts"]
        )
        inv["amount"] = inv["amount"].astype("float64")
        con = self.contacts.copy()
        con["ts"] = to_utc(con["ts"])
        con = con[con["ts"].notna()]
        out = self.outcomes.copy()
        out["ts"] = to_utc(out["ts"])
        out["promised_ts"] = to_utc(out["promised_ts"])
        dos = self.dossier.copy()
        dos["ts"] = to_utc(dos["ts"])
        return replace(self, invoices=inv, contacts=con, outcomes=out, dossier=dos)


def to_utc(values: pd.Series) -> pd.Series:
    """Dates or datetimes → ``datetime64[us, UTC]``; naive values are taken as UTC."""
    s = pd.to_datetime(values)
    if getattr(s.dt, "tz", None) is None:
        s = s.dt.tz_localize("UTC")
    return cast(pd.Series, s.astype(TS))  # type: ignore[call-overload]


def empty_frames() -> LedgerFrames:
    """Frames with the right columns and no rows (the start of a synthetic ledger)."""
    ts = pd.Series([], dtype=TS)
    return LedgerFrames(
        debtors=pd.DataFrame(
            {c: pd.Series([], dtype="int64") for c in ("debtor_id", "creditor_id")}
            | {c: pd.Series([], dtype="str") for c in ("kind", "segment", "country")}
            | {
                c: pd.Series([], dtype="bool")
                for c in ("reach_email", "reach_phone", "reach_letter")
            }
        ),
        invoices=pd.DataFrame(
            {c: pd.Series([], dtype="int64") for c in ("invoice_id", "debtor_id", "creditor_id")}
            | {
                "issue_ts": ts,
                "due_ts": ts,
                "paid_ts": ts,
                "amount": pd.Series([], dtype="float64"),
            }
        ),
        contacts=pd.DataFrame(
            {"contact_id": pd.Series([], dtype="int64"), "debtor_id": pd.Series([], dtype="int64")}
            | {"ts": ts}
            | {c: pd.Series([], dtype="str") for c in ("channel", "tone", "stage")}
        ),
        contact_invoices=pd.DataFrame(
            {c: pd.Series([], dtype="int64") for c in ("contact_id", "invoice_id")}
        ),
        outcomes=pd.DataFrame(
            {"debtor_id": pd.Series([], dtype="int64"), "contact_id": pd.Series([], dtype="Int64")}
            | {"kind": pd.Series([], dtype="str"), "ts": ts, "promised_ts": ts}
        ),
        dossier=pd.DataFrame(
            {"debtor_id": pd.Series([], dtype="Int64"), "invoice_id": pd.Series([], dtype="Int64")}
            | {"kind": pd.Series([], dtype="str"), "ts": ts}
        ),
    )


def _read(engine: Engine, sql: str, params: Mapping[str, object]) -> pd.DataFrame:
    stmt = sa.text(sql)
    if "ids" in params:
        stmt = stmt.bindparams(sa.bindparam("ids", expanding=True))
    with engine.connect() as conn:
        return pd.read_sql_query(stmt, conn, params=dict(params))  # type: ignore[arg-type]


def creditor_id(engine: Engine, name: str) -> int:
    """The id of the creditor called ``name``; raises :class:`UnknownCreditorError`."""
    found = _read(engine, "SELECT id FROM creditor WHERE name = :n", {"n": name})
    if found.empty:
        raise UnknownCreditorError(f"no creditor named {name!r} in the ledger")
    return int(found["id"].iloc[0])


def load_frames(
    engine: Engine, creditor: str | None = None, *, debtor_ids: Sequence[int] | None = None
) -> LedgerFrames:
    """Read one creditor's ledger (by name), or all of it, into normalised frames; with
    ``debtor_ids`` only those debtors' rows. Pooled features (response rates shrunk toward the
    creditor's) then see only those debtors: use the whole creditor for scoring.

    ``paid_ts`` is ``Invoice.paid_on``; when that is empty but the allocated payments cover the
    amount, the date of the payment that completed it is used instead.
    """
    where, params = "", dict[str, object]()
    if creditor is not None:
        where, params = " WHERE t.creditor_id = :c", {"c": creditor_id(engine, creditor)}
    if debtor_ids is not None:
        params["ids"] = [int(i) for i in debtor_ids] or [-1]
        where += (" AND" if where else " WHERE") + " t.debtor_id IN :ids"
    debtors = _read(
        engine,
        "SELECT t.id AS debtor_id, t.creditor_id, t.kind, COALESCE(s.name, '') AS segment,"
        " COALESCE(t.country, '') AS country, t.email, t.phone, t.address_line,"
        " t.opted_out_channels FROM debtor t LEFT JOIN segment s ON s.id = t.segment_id"
        + where.replace("t.debtor_id IN", "t.id IN"),
        params,
    )
    opted = debtors.pop("opted_out_channels").astype("str").fillna("")
    debtors["reach_email"] = debtors.pop("email").notna() & ~opted.str.contains("email")
    debtors["reach_phone"] = debtors.pop("phone").notna() & ~opted.str.contains("sms")
    debtors["reach_letter"] = debtors.pop("address_line").notna() & ~opted.str.contains("letter")
    invoices = _read(
        engine,
        "SELECT t.id AS invoice_id, t.debtor_id, t.creditor_id, t.issue_date AS issue_ts,"
        " t.due_date AS due_ts, COALESCE(t.paid_on, ("
        "   SELECT CASE WHEN SUM(a.amount_cents) >= t.amount_cents THEN MAX(p.paid_on) END"
        "   FROM paymentallocation a JOIN payment p ON p.id = a.payment_id"
        "   WHERE a.invoice_id = t.id)) AS paid_ts,"
        " t.amount_cents / 100.0 AS amount FROM invoice t" + where,
        params,
    )
    contacts = _read(
        engine,
        "SELECT t.id AS contact_id, t.debtor_id, t.sent_at AS ts, t.channel, t.tone, t.stage"
        " FROM contact t WHERE t.sent_at IS NOT NULL AND t.status NOT IN ('planned', 'cancelled')"
        + where.replace(" WHERE", " AND"),
        params,
    )
    contact_invoices = _read(
        engine,
        "SELECT t.contact_id, t.invoice_id FROM contactinvoice t"
        + where.replace(
            "t.debtor_id IN :ids",
            "t.contact_id IN (SELECT c.id FROM contact c WHERE c.debtor_id IN :ids)",
        ),
        params,
    )
    outcomes = _read(
        engine,
        "SELECT t.debtor_id, t.contact_id, t.kind, t.occurred_at AS ts,"
        " t.promised_date AS promised_ts FROM outcome t" + where,
        params,
    )
    dossier = _read(
        engine,
        "SELECT t.debtor_id, t.invoice_id, t.kind, t.occurred_at AS ts FROM dossierevent t" + where,
        params,
    )
    base = empty_frames()
    frames = LedgerFrames(
        debtors=_conform(debtors, base.debtors),
        invoices=_conform(invoices, base.invoices),
        contacts=_conform(contacts, base.contacts),
        contact_invoices=_conform(contact_invoices, base.contact_invoices),
        outcomes=_conform(outcomes, base.outcomes),
        dossier=_conform(dossier, base.dossier),
    )
    return frames.normalised()


def _conform(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Cast ``frame`` to the dtypes of the empty frame ``like`` (SQLite returns loose types)."""
    out = frame.copy()
    for col, dtype in like.dtypes.items():
        if str(dtype).startswith("datetime64"):
            out[col] = to_utc(out[col])
        elif str(dtype) == "bool":
            out[col] = out[col].fillna(False).astype("bool")
        else:
            out[col] = out[col].astype(dtype)
    return out[list(like.columns)]
