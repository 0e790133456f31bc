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
    # the creditors' pooled response counts as of one moment (``features.debtor_history.
    # population``), for frames holding only some of a creditor's debtors (a batch bucket): the
    # response rates then shrink toward the whole creditor's, as when built from all of it
    population: "Population | None" = None

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


@dataclass(frozen=True)
class Population:
    """Per creditor (index), the response counts ``n_<group>``/``y_<group>`` known before
    ``as_of``; additive over debtors, so buckets' partial counts sum to the creditor's."""

    as_of: pd.Timestamp
    counts: pd.DataFrame


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


_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "debtor": (
        "id",
        "creditor_id",
        "kind",
        "segment_id",
        "country",
        "email",
        "phone",
        "address_line",
        "opted_out_channels",
    ),
    "segment": ("id", "name"),
    "invoice": (
        "id",
        "debtor_id",
        "creditor_id",
        "issue_date",
        "due_date",
        "paid_on",
        "amount_cents",
    ),
    "payment": ("id", "paid_on"),
    "paymentallocation": ("payment_id", "invoice_id", "amount_cents"),
    "contact": ("id", "debtor_id", "sent_at", "channel", "tone", "stage", "status"),
    "contactinvoice": ("contact_id", "invoice_id"),
    "outcome": ("debtor_id", "contact_id", "kind", "occurred_at", "promised_date"),
    "dossierevent": ("debtor_id", "invoice_id", "kind", "occurred_at"),
}
# how each table is narrowed to some debtors (``:ids``)
_BY_DEBTOR = {
    "debtor": "t.id IN :ids",
    "invoice": "t.debtor_id IN :ids",
    "payment": "t.id IN (SELECT a.payment_id FROM paymentallocation a"
    " JOIN invoice i ON i.id = a.invoice_id WHERE i.debtor_id IN :ids)",
    "paymentallocation": "t.invoice_id IN (SELECT i.id FROM invoice i WHERE i.debtor_id IN :ids)",
    "contact": "t.debtor_id IN :ids",
    "contactinvoice": "t.contact_id IN (SELECT c.id FROM contact c WHERE c.debtor_id IN :ids)",
    "outcome": "t.debtor_id IN :ids",
    "dossierevent": "t.debtor_id IN :ids",
}


def load_frames(
    engine: Engine, creditor: str | None = None, *, debtor_ids: Sequence[int] | None = None
) -> LedgerFrames:
    """Read one creditor's ledger (by name), or all of it, into normalised frames; with
    ``debtor_ids`` only those debtors' rows. Pooled features (response rates shrunk toward the
    creditor's) then see only those debtors: use the whole creditor for scoring.

    The tables are read as they are and turned into frames by :func:`frames_from_tables`, the one
    place that gives ledger rows their meaning for features (the simulator's replay uses it too).
    """
    params: dict[str, object] = {}
    if creditor is not None:
        params["c"] = creditor_id(engine, creditor)
    if debtor_ids is not None:
        params["ids"] = [int(i) for i in debtor_ids] or [-1]
    tables = {}
    for name, columns in _TABLE_COLUMNS.items():
        conds = ["t.creditor_id = :c"] if creditor is not None else []
        if debtor_ids is not None and name in _BY_DEBTOR:
            conds.append(_BY_DEBTOR[name])
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        cols = ", ".join(f"t.{c}" for c in columns)
        tables[name] = _read(engine, f"SELECT {cols} FROM {name} t{where}", params)
    return frames_from_tables(tables)


def frames_from_tables(tables: Mapping[str, pd.DataFrame]) -> LedgerFrames:
    """Ledger tables (columns as in the database) → normalised frames.

    ``paid_ts`` is ``Invoice.paid_on``; when that is empty but the allocated payments cover the
    amount, the date of the payment that completed it is used instead. Contacts count once sent
    (not planned, not cancelled). Reachability: contact detail present and channel not opted out.
    """
    t = {name: _columns(tables.get(name), cols) for name, cols in _TABLE_COLUMNS.items()}
    deb = t["debtor"]
    names = dict(zip(t["segment"]["id"].tolist(), t["segment"]["name"].tolist(), strict=True))
    segment = pd.Series([names.get(i, "") for i in deb["segment_id"].tolist()], dtype="str")
    opted = deb["opted_out_channels"].astype("str").fillna("")
    debtors = pd.DataFrame(
        {
            "debtor_id": deb["id"],
            "creditor_id": deb["creditor_id"],
            "kind": deb["kind"],
            "segment": segment.to_numpy(),
            "country": deb["country"].fillna(""),
            "reach_email": deb["email"].notna() & ~opted.str.contains("email"),
            "reach_phone": deb["phone"].notna() & ~opted.str.contains("sms"),
            "reach_letter": deb["address_line"].notna() & ~opted.str.contains("letter"),
        }
    )
    inv = t["invoice"]
    alloc = t["paymentallocation"].merge(
        t["payment"].rename(columns={"id": "payment_id", "paid_on": "pay_day"}), on="payment_id"
    )
    covered = alloc.groupby("invoice_id").agg(
        alloc_sum=("amount_cents", "sum"), last=("pay_day", "max")
    )
    got = covered.reindex(inv["id"].to_numpy())
    covers = got["alloc_sum"].fillna(-1).to_numpy() >= inv["amount_cents"].to_numpy(dtype=float)
    by_alloc = got["last"].where(covers)
    invoices = pd.DataFrame(
        {
            "invoice_id": inv["id"],
            "debtor_id": inv["debtor_id"],
            "creditor_id": inv["creditor_id"],
            "issue_ts": inv["issue_date"],
            "due_ts": inv["due_date"],
            "paid_ts": inv["paid_on"].where(inv["paid_on"].notna(), by_alloc.to_numpy()),
            "amount": inv["amount_cents"].astype("float64") / 100.0,
        }
    )
    con = t["contact"]
    sent = con["sent_at"].notna() & ~con["status"].isin(["planned", "cancelled"])
    con = con[sent]
    contacts = pd.DataFrame(
        {
            "contact_id": con["id"],
            "debtor_id": con["debtor_id"],
            "ts": con["sent_at"],
            "channel": con["channel"],
            "tone": con["tone"],
            "stage": con["stage"],
        }
    )
    out = t["outcome"]
    outcomes = pd.DataFrame(
        {
            "debtor_id": out["debtor_id"],
            "contact_id": out["contact_id"],
            "kind": out["kind"],
            "ts": out["occurred_at"],
            "promised_ts": out["promised_date"],
        }
    )
    dos = t["dossierevent"]
    dossier = pd.DataFrame(
        {
            "debtor_id": dos["debtor_id"],
            "invoice_id": dos["invoice_id"],
            "kind": dos["kind"],
            "ts": dos["occurred_at"],
        }
    )
    base = empty_frames()
    frames = LedgerFrames(
        debtors=_conform(debtors, base.debtors),
        invoices=_conform(invoices, base.invoices),
        contacts=_conform(contacts, base.contacts),
        contact_invoices=_conform(t["contactinvoice"], base.contact_invoices),
        outcomes=_conform(outcomes, base.outcomes),
        dossier=_conform(dossier, base.dossier),
    )
    return frames.normalised()


def _columns(frame: pd.DataFrame | None, columns: tuple[str, ...]) -> pd.DataFrame:
    """The table with exactly ``columns`` (missing ones as empty), index reset."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    frame = frame.reset_index(drop=True)
    for c in columns:
        if c not in frame.columns:
            frame[c] = None
    return frame[list(columns)]


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
