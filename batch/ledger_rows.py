"""The ledger tables a day's decisions read, and how each row finds its debtor's bucket.

Every table is read whole (all columns), in one consistent snapshot, with the debtor id each row
belongs to (``bucket_debtor``); creditors and segments are small and go to every bucket. The rows
then turn back into the same table rows in a private in-memory SQLite ledger per bucket, so the
rules (``policy.states_from_ledger``), the cycle's candidate query and the features
(``features.load_frames``) read them with the code they use on the live ledger.
"""

import json
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from ledger.tables import (
    Contact,
    ContactInvoice,
    Creditor,
    Debtor,
    DossierEvent,
    Invoice,
    Outcome,
    Payment,
    PaymentAllocation,
    Segment,
)
from ledger.types import UTCDateTime

SHARED = (Creditor, Segment)  # small: every bucket gets all of them
# table -> SQL giving each row's debtor (for bucketing), over the table aliased t
BUCKETED: dict[type[SQLModel], str] = {
    Debtor: "t.id",
    Invoice: "t.debtor_id",
    Payment: "(SELECT min(i.debtor_id) FROM paymentallocation a JOIN invoice i"
    " ON i.id = a.invoice_id WHERE a.payment_id = t.id)",
    PaymentAllocation: "(SELECT i.debtor_id FROM invoice i WHERE i.id = t.invoice_id)",
    Contact: "t.debtor_id",
    ContactInvoice: "(SELECT c.debtor_id FROM contact c WHERE c.id = t.contact_id)",
    Outcome: "t.debtor_id",
    DossierEvent: "t.debtor_id",
}
TABLES: tuple[type[SQLModel], ...] = (*SHARED, *BUCKETED)
# what the rules (``policy.ledger_state``) and the cycle's candidate query read; the rest only
# feeds the features, which take the rows as frames directly
STATE_TABLES: tuple[type[SQLModel], ...] = (
    Creditor, Segment, Debtor, Invoice, Contact, Outcome, DossierEvent,
)  # fmt: skip
BUCKET_DEBTOR = "bucket_debtor"


def table_of(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def name_of(model: type[SQLModel]) -> str:
    return str(table_of(model).name)


def export_query(model: type[SQLModel]) -> str:
    """The rows of one table with their debtor (``bucket_debtor``; none for shared tables)."""
    name = name_of(model)
    if model in SHARED:
        return f"SELECT t.* FROM {name} t"
    return f"SELECT t.*, {BUCKETED[model]} AS {BUCKET_DEBTOR} FROM {name} t"


def export_select(model: type[SQLModel]) -> sa.Select[Any]:
    """:func:`export_query` as a typed statement (column types applied to what is read)."""
    t = table_of(model).alias("t")
    if model in SHARED:
        return sa.select(t)
    return sa.select(t, sa.literal_column(BUCKETED[model]).label(BUCKET_DEBTOR))


def bucket_of(debtor_id: int, buckets: int) -> int:
    return debtor_id % buckets


def _converter(column: sa.Column[Any]) -> Any:
    """How a column's values become what its type takes: JSON text parsed, timestamps aware
    (a naive one is refused), numpy scalars made plain; None for columns taken as they are."""
    where = f"{column.table.name}.{column.name}"
    if isinstance(column.type, sa.JSON):
        return lambda v: json.loads(v) if isinstance(v, str) else v
    if isinstance(column.type, UTCDateTime):

        def aware(v: Any) -> Any:
            if v is None:
                return None
            if getattr(v, "tzinfo", None) is None:
                raise ValueError(
                    f"{where}: a naive timestamp reached the batch engine"
                    " (run Spark with spark.sql.session.timeZone=UTC)"
                )
            return v.astimezone(UTC)

        return aware
    return None


def ledger_of(rows: Mapping[str, Iterable[Mapping[str, Any]]]) -> Engine:
    """A private in-memory SQLite ledger holding the rows the rules read (table name -> row
    dicts; :data:`STATE_TABLES`)."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    tables = [table_of(m) for m in STATE_TABLES]
    SQLModel.metadata.create_all(engine, tables=tables)
    with engine.begin() as conn:
        for table in tables:
            convert = [(c.name, _converter(c)) for c in table.columns]
            batch = [
                {name: (f(r.get(name)) if f else r.get(name)) for name, f in convert}
                for r in rows.get(table.name, ())
            ]
            if batch:
                conn.execute(table.insert(), batch)
    return engine
