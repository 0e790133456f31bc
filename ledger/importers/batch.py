"""What an adapter hands to the ledger writer (a :class:`Batch`) and what comes back (a summary).

Adapters (generic CSV, SAP, CAMT.053, IBM) only parse and validate their format into the frames
below; matching against the ledger, allocation and writing are shared. Frame columns:

- ``debtors``: external_id, kind, name, email, phone, address_line, postal_code, city, country,
  language, segment, opted_out_channels (list), ``_row``. ``debtor_mode`` "upsert" updates known
  debtors whose details changed; "ensure" only creates the missing ones.
- ``invoices``: number, debtor_external_id, issue_date, due_date (datetime64), amount_cents,
  open_amount_cents, currency, status ('' = derive), payment_reference, paid_on (NaT), ``_row``.
- ``payments``: external_ref, paid_on, amount_cents, reference, invoice_number ('' = none),
  debtor_external_id ('' = none), match_text ('' = no matching by text), source, ``_row``.
- ``disputes``: invoice_number, occurred_on, note, ``_row``.
- ``credit_notes``: key, debtor_external_id, amount_cents (positive), issue_date, due_date,
  cleared_on, posting, ``_row``.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

Entity = Literal["debtors", "invoices", "payments"]
Format = Literal["csv", "sap", "camt053", "ibm"]


@dataclass
class Batch:
    file: str
    entity: Entity
    format: Format
    rows_read: int
    debtors: pd.DataFrame | None = None
    debtor_mode: Literal["upsert", "ensure"] = "upsert"
    invoices: pd.DataFrame | None = None
    payments: pd.DataFrame | None = None
    disputes: pd.DataFrame | None = None
    credit_notes: pd.DataFrame | None = None


@dataclass
class Counts:
    inserted: int = 0
    unchanged: int = 0
    updated: int = 0


@dataclass
class ImportSummary:
    """Outcome of one import; ``counts`` per kind of record (debtors, invoices, payments, …)."""

    file: str
    entity: str
    format: str
    creditor: str
    creditor_created: bool
    rows_read: int
    sha256: str
    seconds: float = 0.0
    counts: dict[str, Counts] = field(default_factory=dict)
    unmatched_payments: int = 0
    import_run_id: int | None = None

    def count(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    @property
    def primary(self) -> Counts:
        return self.counts.get(self.entity, Counts())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["inserted"] = self.primary.inserted
        data["unchanged"] = self.primary.unchanged
        data["updated"] = self.primary.updated
        return data
