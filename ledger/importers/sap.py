"""SAP FI-AR line items (``--format sap``): a CSV export, or a zip holding one CSV.

One row is one open or cleared customer line item. The export has **no document number** (no
BELNR/BUZEI), so each line gets a deterministic key: ``SAP-<BUKRS>-<GJAHR>-<digest>-<n>`` where
``digest`` is the first 16 hex digits of SHA-256 over the line's identifying columns (client,
company code, fiscal year, G/L account, customer, profit centre, payment terms, due-date source,
document type, posting text, amount, tax, document date, due date) and ``n`` numbers identical
lines (ordered by payment date, then file order). Volatile columns (payment date, dunning block,
credit ratings, city/country master data) are left out, so a later export of the same line keeps
its key when it gets cleared or re-rated.

- Debtors: one per KUNNR (B2B, name "SAP customer <KUNNR>", city and country from the line).
- Invoices: issue date DATUM (clamped to the due date when DATUM is later: DATUM holds month-start
  dates in this export), due date DUE_DATE, amount VALUE_EUR (euros → cents).
- Payments: a line with a PAYMENT_DATE is cleared: one payment of the full amount on that date,
  allocated to the invoice (which becomes paid with ``paid_on``). A zero-value line is an invoice
  of 0 that is paid on PAYMENT_DATE without a payment row.
- Credit notes (VALUE_EUR < 0, or posting text "Credit memo", "Reverse invoice", "Incoming
  payment"): not claims anyone can be dunned for, and as invoices they would distort open amounts
  and payment-time features. They are kept as ``credit_note`` dossier events on the debtor (key,
  amount as a positive credit, dates, posting text) and counted in the summary.
"""

import hashlib
import io
import zipfile
import zlib
from typing import Any

import pandas as pd

from ledger.importers.batch import Batch, Entity
from ledger.importers.errors import ErrorLog, file_error
from ledger.importers.parsing import (
    check_lengths,
    decode_utf8,
    parse_cents,
    parse_dates,
    read_csv,
    require_values,
)
from ledger.tables import Debtor

REQUIRED = ("BUKRS", "GJAHR", "HKONT", "KUNNR", "PRCTR", "KNA1_LAND1", "KNA1_ORT01", "ZTERM",
            "VALUE_EUR", "BLART", "TBSLT_LTEXT", "DATUM", "DUE_DATE", "PAYMENT_DATE")  # fmt: skip
KEY_COLUMNS = ("MANDT", "BUKRS", "GJAHR", "HKONT", "KUNNR", "PRCTR", "ZTERM", "DUE_DATE_SOURCE",
               "BLART", "TBSLT_LTEXT", "VALUE_EUR", "MWSTS", "DATUM", "DUE_DATE")  # fmt: skip
CREDIT_POSTINGS = ("Credit memo", "Reverse invoice", "Incoming payment")


def read_text(file: str, data: bytes) -> str:
    """The CSV text of a plain export or of the single CSV inside a zip."""
    if not data.startswith(b"PK\x03\x04"):
        return decode_utf8(file, data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                message = f"the zip must hold exactly one .csv file, found {len(names)}"
                raise file_error(file, "zip", message)
            return decode_utf8(file, archive.read(names[0]))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, zlib.error) as exc:  # fmt: skip
        raise file_error(file, "zip", f"not a readable zip file: {exc}") from exc


def parse(file: str, data: bytes, entity: Entity, log: ErrorLog) -> Batch:
    """The export as a batch; every problem of every row goes to ``log``."""
    frame = read_csv(read_text(file, data), log, required=REQUIRED, strict=False)
    require_values(frame, ("KUNNR", "BUKRS", "GJAHR"), log)
    check_lengths(frame.rename(columns={"KUNNR": "external_id", "KNA1_ORT01": "city"}), Debtor,
                  ("external_id", "city"), log)  # fmt: skip
    log.add_mask(frame, ~frame["KNA1_LAND1"].str.fullmatch(r"[A-Za-z]{2}|"), "KNA1_LAND1",
                 "country must be a 2-letter ISO code, not {value!r}")  # fmt: skip
    issue = parse_dates(frame, "DATUM", log)
    due = parse_dates(frame, "DUE_DATE", log)
    cleared = parse_dates(frame, "PAYMENT_DATE", log, fmt="%Y%m%d", required=False)
    cents = parse_cents(frame, "VALUE_EUR", log, allow_negative=True).fillna(0)
    debtors = _debtors(frame)
    if entity == "debtors":
        return Batch(file, entity, "sap", len(frame), debtors=debtors, debtor_mode="ensure")
    frame["number"] = _keys(frame)
    frame["issue_date"] = issue.where(issue <= due, due)
    frame["due_date"], frame["cleared_on"] = due, cleared
    frame["amount_cents"] = cents.astype("int64")
    credit = (frame["amount_cents"] < 0) | frame["TBSLT_LTEXT"].isin(CREDIT_POSTINGS)
    claims, credits = frame.loc[~credit], frame.loc[credit]
    return Batch(file, entity, "sap", len(frame), debtors=debtors, debtor_mode="ensure",
                 invoices=_invoices(claims), payments=_payments(claims),
                 credit_notes=_credit_notes(credits))  # fmt: skip


def _keys(frame: pd.DataFrame) -> "pd.Series[str]":
    cols = [c for c in KEY_COLUMNS if c in frame.columns]
    others: Any = [frame[c] for c in cols[1:]]
    joined = frame[cols[0]].str.cat(others, sep="\x1f")
    digest = pd.Series(
        [hashlib.sha256(s.encode()).hexdigest()[:16] for s in joined.tolist()], index=frame.index
    )
    order = frame.assign(_d=digest).sort_values(["_d", "PAYMENT_DATE", "_row"], kind="stable")
    nth = order.groupby("_d").cumcount().add(1).reindex(frame.index)
    return "SAP-" + frame["BUKRS"] + "-" + frame["GJAHR"] + "-" + digest + "-" + nth.astype(str)


def _debtors(frame: pd.DataFrame) -> pd.DataFrame:
    first = frame.drop_duplicates("KUNNR")
    return pd.DataFrame({
        "external_id": first["KUNNR"], "kind": "b2b", "name": "SAP customer " + first["KUNNR"],
        "city": first["KNA1_ORT01"], "country": first["KNA1_LAND1"].str.upper(),
        "language": "nl", "segment": "", "opted_out_channels": [[] for _ in range(len(first))],
        "_row": first["_row"],
    })  # fmt: skip


def _invoices(claims: pd.DataFrame) -> pd.DataFrame:
    zero = claims["amount_cents"] == 0
    return pd.DataFrame({
        "number": claims["number"], "debtor_external_id": claims["KUNNR"],
        "issue_date": claims["issue_date"], "due_date": claims["due_date"],
        "amount_cents": claims["amount_cents"], "open_amount_cents": claims["amount_cents"],
        "currency": "EUR", "status": zero.map({True: "paid", False: ""}),
        "payment_reference": "", "paid_on": claims["cleared_on"].where(zero),
        "_row": claims["_row"],
    })  # fmt: skip


def _payments(claims: pd.DataFrame) -> pd.DataFrame:
    paid = claims.loc[claims["cleared_on"].notna() & (claims["amount_cents"] > 0)]
    return pd.DataFrame({
        "external_ref": paid["number"] + "/clearing", "paid_on": paid["cleared_on"],
        "amount_cents": paid["amount_cents"], "reference": "", "invoice_number": paid["number"],
        "debtor_external_id": paid["KUNNR"], "match_text": "", "source": "sap",
        "_row": paid["_row"],
    })  # fmt: skip


def _credit_notes(credits: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "key": credits["number"].str.replace("SAP-", "SAPCN-", n=1),
        "debtor_external_id": credits["KUNNR"], "amount_cents": credits["amount_cents"].abs(),
        "issue_date": credits["issue_date"], "due_date": credits["due_date"],
        "cleared_on": credits["cleared_on"], "posting": credits["TBSLT_LTEXT"],
        "_row": credits["_row"],
    })  # fmt: skip
