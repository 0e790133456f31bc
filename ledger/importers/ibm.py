"""The IBM Watson "Accounts Receivable" sample (``--format ibm``): debtors, invoices, payments.

Columns: countryCode, customerID, PaperlessDate, invoiceNumber, InvoiceDate, DueDate,
InvoiceAmount, Disputed, SettledDate, PaperlessBill, DaysToSettle, DaysLate (dates M/D/YYYY).

- Debtors: one per customerID (B2B). ``countryCode`` is a 3-digit code of the sample (391, 406…),
  not an ISO 3166 alpha-2 code, and the ledger's ``country`` holds two letters: it is kept as the
  debtor's segment ``IBM country <code>`` (debtor groups may get their own flow) and the country
  is left empty. PaperlessBill/PaperlessDate are skipped (no debtor attribute column exists and
  they are features' business, not the ledger's).
- Invoices: invoiceNumber, InvoiceDate, DueDate, InvoiceAmount.
- Payments: SettledDate → one payment of the full amount, allocated; the invoice becomes paid.
- Disputed=Yes → an Outcome of kind ``dispute`` and a ``dispute`` dossier event, dated at the
  settled date (the sample does not say when the dispute arose; the settled date is the earliest
  day it is certainly known, so point-in-time features never see it early). The invoice status
  stays ``paid`` once settled, so the dispute never leaks into the invoice's final status.
- ``DaysToSettle`` and ``DaysLate`` are outcomes: they are dropped on reading and stored nowhere.
"""

import pandas as pd

from ledger.importers.batch import Batch, Entity
from ledger.importers.errors import ErrorLog
from ledger.importers.parsing import check_lengths, parse_cents, parse_dates, read_csv
from ledger.importers.parsing import require_values as required
from ledger.tables import Debtor, Invoice

REQUIRED = ("countryCode", "customerID", "invoiceNumber", "InvoiceDate", "DueDate",
            "InvoiceAmount", "Disputed", "SettledDate")  # fmt: skip
IGNORED = ("PaperlessDate", "PaperlessBill", "DaysToSettle", "DaysLate")
US_DATE = "%m/%d/%Y"


def parse(file: str, text: str, entity: Entity, log: ErrorLog) -> Batch:
    """The sample as a batch; every problem of every row goes to ``log``."""
    frame = read_csv(text, log, required=REQUIRED, optional=IGNORED)
    frame = frame.drop(columns=["DaysToSettle", "DaysLate", "PaperlessDate", "PaperlessBill"])
    required(frame, ("customerID", "invoiceNumber", "countryCode"), log)
    check_lengths(frame.rename(columns={"customerID": "external_id"}), Debtor, ("external_id",),
                  log, label="customerID")  # fmt: skip
    check_lengths(frame.rename(columns={"invoiceNumber": "number"}), Invoice, ("number",), log,
                  label="invoiceNumber")  # fmt: skip
    issue = parse_dates(frame, "InvoiceDate", log, fmt=US_DATE)
    due = parse_dates(frame, "DueDate", log, fmt=US_DATE)
    settled = parse_dates(frame, "SettledDate", log, fmt=US_DATE, required=False)
    cents = parse_cents(frame, "InvoiceAmount", log).fillna(0)
    log.add_mask(frame, (due < issue).fillna(False), "DueDate", "due date before invoice date")
    log.add_mask(frame, ~frame["Disputed"].isin(["Yes", "No"]), "Disputed",
                 "Disputed must be Yes or No, not {value!r}")  # fmt: skip
    log.add_mask(frame, frame.duplicated("invoiceNumber", keep="first"), "invoiceNumber",
                 "invoice {value!r} appears twice")  # fmt: skip
    first = frame.drop_duplicates("customerID")
    debtors = pd.DataFrame({
        "external_id": first["customerID"], "kind": "b2b",
        "name": "IBM customer " + first["customerID"],
        "language": "en", "segment": "IBM country " + first["countryCode"],
        "opted_out_channels": [[] for _ in range(len(first))], "_row": first["_row"],
    })  # fmt: skip
    if entity == "debtors":
        return Batch(file, entity, "ibm", len(frame), debtors=debtors, debtor_mode="ensure")
    invoices = pd.DataFrame({
        "number": frame["invoiceNumber"], "debtor_external_id": frame["customerID"],
        "issue_date": issue, "due_date": due, "amount_cents": cents.astype("int64"),
        "open_amount_cents": cents.astype("int64"), "currency": "EUR", "status": "",
        "payment_reference": "", "paid_on": pd.NaT, "_row": frame["_row"],
    })  # fmt: skip
    paid = frame.loc[settled.notna()]
    payments = pd.DataFrame({
        "external_ref": "ibm:" + paid["invoiceNumber"], "paid_on": settled[settled.notna()],
        "amount_cents": cents[settled.notna()].astype("int64"), "reference": paid["invoiceNumber"],
        "invoice_number": paid["invoiceNumber"], "debtor_external_id": paid["customerID"],
        "match_text": "", "source": "ibm", "_row": paid["_row"],
    })  # fmt: skip
    disputed = frame["Disputed"] == "Yes"
    disputes = pd.DataFrame({
        "invoice_number": frame.loc[disputed, "invoiceNumber"],
        "debtor_external_id": frame.loc[disputed, "customerID"],
        "occurred_on": settled[disputed].fillna(due[disputed]),
        "note": "IBM sample: invoice " + frame.loc[disputed, "invoiceNumber"] + " disputed",
        "_row": frame.loc[disputed, "_row"],
    })  # fmt: skip
    return Batch(file, entity, "ibm", len(frame), debtors=debtors, debtor_mode="ensure",
                 invoices=invoices, payments=payments, disputes=disputes)  # fmt: skip
