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
    Recommendation,
    Segment,
)
from ledger.types import UTCDateTime

SHARED = (Creditor, Segment)  # small: every bucket gets all of them
# table -> (joins over the table aliased t, the SQL of each row's debtor for bucketing); joins,
# not correlated subqueries, so a JDBC partition's debtor-range filter reaches the indexes
BUCKETED: dict[type[SQLModel], tuple[str, str]] = {
    Debtor: ("", "t.id"),
    Invoice: ("", "t.debtor_id"),
    Payment: (
        " JOIN (SELECT a.payment_id AS pid, min(i.debtor_id) AS did FROM paymentallocation a"
        " JOIN invoice i ON i.id = a.invoice_id GROUP BY a.payment_id) x ON x.pid = t.id",
        "x.did",
    ),
    PaymentAllocation: (" JOIN invoice i ON i.id = t.invoice_id", "i.debtor_id"),
    Contact: ("", "t.debtor_id"),
    ContactInvoice: (" JOIN contact c ON c.id = t.contact_id", "c.debtor_id"),
    Outcome: ("", "t.debtor_id"),
    DossierEvent: ("", "t.debtor_id"),
    Recommendation: ("", "t.debtor_id"),
}
# the decision log: read only for a plan champion, whose plans in force it names
# (``serving.api.plans_in_force``); exported only then
DECISION_LOG: tuple[type[SQLModel], ...] = (Recommendation,)
TABLES: tuple[type[SQLModel], ...] = (*SHARED, *(m for m in BUCKETED if m not in DECISION_LOG))
# what the rules (``policy.ledger_state``), the cycle's candidate query and the plans in force
# read; the rest only feeds the features, which take the rows as frames directly
STATE_TABLES: tuple[type[SQLModel], ...] = (
    Creditor, Segment, Debtor, Invoice, Contact, Outcome, DossierEvent, *DECISION_LOG,
)  # fmt: skip


def tables(decision_log: bool) -> tuple[type[SQLModel], ...]:
    """The tables a day's export reads (``decision_log``: a plan champion's too)."""
    return (*TABLES, *DECISION_LOG) if decision_log else TABLES


BUCKET_DEBTOR = "bucket_debtor"


def table_of(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def name_of(model: type[SQLModel]) -> str:
    return str(table_of(model).name)


def export_query(model: type[SQLModel]) -> str:
    """The rows of one table (its columns, named) with their debtor (``bucket_debtor``; none
    for shared tables)."""
    table = table_of(model)
    cols = ", ".join(f't."{c.name}"' for c in table.columns)
    if model in SHARED:
        return f"SELECT {cols} FROM {table.name} t"
    joins, debtor = BUCKETED[model]
    return f"SELECT {cols}, {debtor} AS {BUCKET_DEBTOR} FROM {table.name} t{joins}"


def export_select(model: type[SQLModel]) -> sa.TextClause | sa.TextualSelect:
    """:func:`export_query` with the table's column types applied to what is read."""
    typed = [sa.column(c.name, c.type) for c in table_of(model).columns]
    if model not in SHARED:
        typed.append(sa.column(BUCKET_DEBTOR, sa.Integer()))
    return sa.text(export_query(model)).columns(*typed)


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
