"""The generic CSV format (see ``ledger/importers/README.md``): debtors, invoices, payments.

Parses and validates one file into a :class:`~ledger.importers.batch.Batch`, collecting every
problem of every row; it never touches the database (references to debtors and invoices are
checked by the reconciler against the ledger, in the same pass) and never raises on bad input.
"""

import pandas as pd

from ledger.enums import Channel, DebtorKind, InvoiceStatus
from ledger.importers.batch import Batch, Entity
from ledger.importers.errors import ErrorLog
from ledger.importers.parsing import (
    check_lengths,
    parse_cents,
    parse_dates,
    read_csv,
    require_values,
    split_list,
)
from ledger.tables import Debtor, Invoice, Payment

DEBTOR_COLUMNS = (
    "external_id", "kind", "name", "email", "phone", "address_line", "postal_code", "city",
    "country", "language", "segment", "opted_out_channels",
)  # fmt: skip
INVOICE_REQUIRED = ("number", "debtor_external_id", "issue_date", "due_date", "amount")
INVOICE_OPTIONAL = ("open_amount", "currency", "status", "payment_reference")
PAYMENT_REQUIRED = ("external_ref", "paid_on", "amount")
PAYMENT_OPTIONAL = ("reference", "invoice_number", "debtor_external_id")


def parse(file: str, text: str, entity: Entity, log: ErrorLog) -> Batch:
    """The file as a batch; every problem of every row goes to ``log`` (nothing is raised)."""
    if entity == "debtors":
        frame = read_csv(text, log, required=DEBTOR_COLUMNS[:3], optional=DEBTOR_COLUMNS[3:])
        return Batch(file, entity, "csv", len(frame), debtors=_debtors(frame, log))
    if entity == "invoices":
        frame = read_csv(text, log, required=INVOICE_REQUIRED, optional=INVOICE_OPTIONAL)
        return Batch(file, entity, "csv", len(frame), invoices=_invoices(frame, log))
    frame = read_csv(text, log, required=PAYMENT_REQUIRED, optional=PAYMENT_OPTIONAL)
    return Batch(file, entity, "csv", len(frame), payments=_payments(frame, log))


def _debtors(frame: pd.DataFrame, log: ErrorLog) -> pd.DataFrame:
    require_values(frame, ("external_id", "kind", "name"), log)
    kinds = {k.value for k in DebtorKind}
    frame["kind"] = frame["kind"].str.lower()
    log.add_mask(frame, ~frame["kind"].isin(kinds) & (frame["kind"] != ""), "kind",
                 "kind must be b2b or b2c, not {value!r}")  # fmt: skip
    frame["country"] = frame["country"].str.upper()
    log.add_mask(frame, ~frame["country"].str.fullmatch(r"[A-Z]{2}|"), "country",
                 "country must be a 2-letter ISO code, not {value!r}")  # fmt: skip
    frame["language"] = frame["language"].str.lower().replace("", "nl")
    log.add_mask(frame, ~frame["language"].str.fullmatch(r"[a-z]{2}(-[a-z]{2})?"), "language",
                 "language must be like 'nl' or 'en', not {value!r}")  # fmt: skip
    log.add_mask(frame, ~frame["email"].str.fullmatch(r"|[^@\s]+@[^@\s]+\.[^@\s]+"), "email",
                 "not an e-mail address {value!r}")  # fmt: skip
    channels = {c.value for c in Channel}
    lists = frame["opted_out_channels"].map(split_list)
    bad = lists.map(lambda items: any(item not in channels for item in items)).astype(bool)
    hint = "unknown channel in {value!r} (use " + ", ".join(sorted(channels)) + ")"
    log.add_mask(frame, bad, "opted_out_channels", hint)
    frame["opted_out_channels"] = lists.map(lambda items: sorted(set(items)))
    check_lengths(frame, Debtor, [c for c in DEBTOR_COLUMNS if c != "segment"], log)
    log.add_mask(frame, frame["segment"].str.len() > 100, "segment", "longer than 100")
    return _refuse_conflicting_duplicates(frame, "external_id", list(DEBTOR_COLUMNS), log)


def _invoices(frame: pd.DataFrame, log: ErrorLog) -> pd.DataFrame:
    require_values(frame, ("number", "debtor_external_id"), log)
    frame["issue_date"] = parse_dates(frame, "issue_date", log)
    frame["due_date"] = parse_dates(frame, "due_date", log)
    log.add_mask(frame, (frame["due_date"] < frame["issue_date"]).fillna(False), "due_date",
                 "due date {value} is before the issue date")  # fmt: skip
    frame["amount_cents"] = parse_cents(frame, "amount", log)
    open_given = frame["open_amount"] != ""
    open_cents = parse_cents(frame, "open_amount", log, required=False)
    frame["open_amount_cents"] = open_cents.where(open_given, frame["amount_cents"])
    log.add_mask(frame, (frame["open_amount_cents"] > frame["amount_cents"]).fillna(False),
                 "open_amount", "open amount {value} exceeds the invoice amount")  # fmt: skip
    frame["currency"] = frame["currency"].str.upper().replace("", "EUR")
    log.add_mask(frame, ~frame["currency"].str.fullmatch(r"[A-Z]{3}"), "currency",
                 "currency must be a 3-letter ISO code, not {value!r}")  # fmt: skip
    frame["status"] = frame["status"].str.lower()
    statuses = {s.value for s in InvoiceStatus} | {""}
    log.add_mask(frame, ~frame["status"].isin(statuses), "status",
                 "unknown status {value!r}")  # fmt: skip
    frame["paid_on"] = pd.NaT
    check_lengths(frame, Invoice, ("number", "payment_reference"), log)
    check_lengths(frame.rename(columns={"debtor_external_id": "external_id"}), Debtor,
                  ("external_id",), log, label="debtor_external_id")  # fmt: skip
    content = list(INVOICE_REQUIRED + INVOICE_OPTIONAL)
    return _refuse_conflicting_duplicates(frame, "number", content, log)


def _payments(frame: pd.DataFrame, log: ErrorLog) -> pd.DataFrame:
    require_values(frame, ("external_ref",), log)
    frame["paid_on"] = parse_dates(frame, "paid_on", log)
    frame["amount_cents"] = parse_cents(frame, "amount", log)
    log.add_mask(frame, frame["amount_cents"].eq(0).fillna(False), "amount",
                 "a payment of zero")  # fmt: skip
    frame["match_text"] = ""
    frame["source"] = "csv"
    check_lengths(frame, Payment, ("external_ref", "reference"), log)
    content = list(PAYMENT_REQUIRED + PAYMENT_OPTIONAL)
    return _refuse_conflicting_duplicates(frame, "external_ref", content, log)


def _refuse_conflicting_duplicates(
    frame: pd.DataFrame, key: str, content: list[str], log: ErrorLog
) -> pd.DataFrame:
    """Same key twice with different content is an error; exact repeats are dropped."""
    text = frame[content].astype(str)
    dup_key = frame.duplicated(key, keep="first") & (frame[key] != "")
    dup_row = text.duplicated(keep="first")
    conflicting = dup_key & ~dup_row
    if bool(conflicting.any()):
        first_rows = frame.drop_duplicates(key).set_index(key)["_row"]
        for row, value in zip(frame.loc[conflicting, "_row"], frame.loc[conflicting, key],
                              strict=True):  # fmt: skip
            log.add(int(row), key, f"{value!r} also on row {first_rows[value]} "
                                   "with different content")  # fmt: skip
    return frame.loc[~(dup_key & dup_row)].reset_index(drop=True)
