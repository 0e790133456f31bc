"""CAMT.053 bank-to-customer statements (ISO 20022, any ``camt.053.001.xx`` version): payments.

Booked credit entries (``CdtDbtInd`` CRDT, status BOOK) become payments; debits and pending
entries are skipped. An entry with several ``TxDtls`` (a batch booking) gives one payment per
transaction. ``external_ref`` is the entry's ``AcctSvcrRef`` (else ``NtryRef``, else statement id
and entry number) plus, for batch entries, the transaction's reference. ``reference`` is the
structured creditor reference (``Strd/CdtrRefInf/Ref``) or else the unstructured remittance text
(``Ustrd``). The writer matches each payment to an invoice by payment reference, else by an
invoice number found in the remittance text; unmatched payments are kept without a debtor.
Errors name the entry by its 1-based position in the file (``row``) and the element (``column``).
"""

import io
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import pandas as pd
from defusedxml import DefusedXmlException

from ledger.importers.batch import Batch
from ledger.importers.errors import ErrorLog, ImportValidationError, RowError, file_error, shorten
from ledger.importers.parsing import to_cents
from ledger.tables import Payment

_REF_LENGTH: int = Payment.__table__.c.external_ref.type.length  # type: ignore[attr-defined]


def _text(node: Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def _all_text(node: Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in node.findall(path) if (e.text or "").strip()]


def parse(file: str, data: bytes, log: ErrorLog) -> Batch:
    """The statement's booked credits as a batch; every problem of every entry goes to ``log``."""
    root = _document(file, data)
    if not root.tag.endswith("Document") or root.find("{*}BkToCstmrStmt") is None:
        raise file_error(file, "Document", "not a CAMT.053 statement (no Document/BkToCstmrStmt)")
    rows: list[dict[str, Any]] = []
    number = 0
    for stmt in root.iterfind("{*}BkToCstmrStmt/{*}Stmt"):
        stmt_id = _text(stmt, "{*}Id")
        for entry in stmt.iterfind("{*}Ntry"):
            number += 1
            rows += _entry(entry, number, stmt_id, log)
    frame = pd.DataFrame(rows, columns=["external_ref", "paid_on", "amount_cents", "reference",
                                        "match_text", "_row"])  # fmt: skip
    frame["paid_on"] = pd.to_datetime(frame["paid_on"], format="%Y-%m-%d")
    frame["amount_cents"] = frame["amount_cents"].astype("int64")
    frame["invoice_number"] = ""
    frame["debtor_external_id"] = ""
    frame["source"] = "camt053"
    log.add_mask(frame, frame["external_ref"].str.len() > _REF_LENGTH, "AcctSvcrRef",
                 f"entry reference longer than {_REF_LENGTH}")  # fmt: skip
    _refuse_duplicates(frame, log)
    return Batch(file, "payments", "camt053", number, payments=frame)


def _document(file: str, data: bytes) -> Element:
    """The parsed XML; a file that is not well-formed is named by the entry and element where
    it broke."""
    try:
        root: Element = SafeET.fromstring(data)
    except ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        entry, path = _where_it_broke(data)
        msg = f"not well-formed XML (line {line}, character {col}): {exc}"
        raise ImportValidationError([RowError(file, entry, path, msg)]) from exc
    except (DefusedXmlException, ValueError) as exc:  # entities, DTDs, external references
        raise file_error(file, "Document", f"refused XML: {exc}") from exc
    return root


def _where_it_broke(data: bytes) -> tuple[int, str]:
    """(entry being read or 0, the open elements) when the parser stopped."""
    entry, stack = 0, []
    try:
        for event, node in SafeET.iterparse(io.BytesIO(data), events=("start", "end")):
            name = node.tag.rsplit("}", 1)[-1]
            if event == "start":
                stack.append(name)
                entry += name == "Ntry"
            else:
                stack.pop()
    except (ParseError, DefusedXmlException, ValueError):
        pass
    inside = stack[stack.index("Ntry") :] if "Ntry" in stack else stack
    return (entry if "Ntry" in stack else 0), "/".join(inside) or "Document"


def _entry(entry: Element, row: int, stmt_id: str, log: ErrorLog) -> list[dict[str, Any]]:
    status = _text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts")
    if _text(entry, "{*}CdtDbtInd") != "CRDT" or status != "BOOK":
        return []
    day = (_text(entry, "{*}BookgDt/{*}Dt") or _text(entry, "{*}BookgDt/{*}DtTm")[:10]
           or _text(entry, "{*}ValDt/{*}Dt"))  # fmt: skip
    if pd.isna(pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")):
        log.add(row, "BookgDt", f"not a valid booking date {shorten(day)!r}")
        return []
    base = (_text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
            or f"{stmt_id}#{row}")  # fmt: skip
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    out = []
    for n, tx in enumerate(details or [entry], start=1):
        amount = _amount(tx if details else entry, entry, row, log, batch=len(details) > 1)
        if amount is None:
            continue
        tx_ref = ""
        if len(details) > 1:
            tx_ref = (_text(tx, "{*}Refs/{*}AcctSvcrRef") or _text(tx, "{*}Refs/{*}EndToEndId")
                      or _text(tx, "{*}Refs/{*}TxId") or str(n))  # fmt: skip
        structured = _all_text(tx, ".//{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")
        free = " ".join(_all_text(tx, ".//{*}RmtInf/{*}Ustrd"))
        e2e = _text(tx, "{*}Refs/{*}EndToEndId")
        reference = structured[0] if structured else free
        match_text = " ".join([*structured, free, "" if e2e == "NOTPROVIDED" else e2e]).strip()
        out.append({"external_ref": f"{base}/{tx_ref}" if tx_ref else base, "paid_on": day,
                    "amount_cents": amount, "reference": reference[:140],
                    "match_text": match_text or " ", "_row": row})  # fmt: skip
    return out


def _amount(node: Element, entry: Element, row: int, log: ErrorLog, *, batch: bool) -> int | None:
    amt = node.find("{*}Amt")
    if amt is None and batch:
        amt = node.find("{*}AmtDtls/{*}TxAmt/{*}Amt")
    if amt is None:
        amt = entry.find("{*}Amt")
    text = (amt.text or "").strip() if amt is not None else ""
    currency = amt.get("Ccy", "EUR") if amt is not None else "EUR"
    if currency != "EUR":
        log.add(row, "Amt", f"currency {currency} is not supported (only EUR)")
        return None
    try:
        cents = to_cents(text)
    except ValueError as exc:
        log.add(row, "Amt", str(exc))
        return None
    if cents <= 0:
        log.add(row, "Amt", f"credit amount must be positive, not {text!r}")
        return None
    return cents


def _refuse_duplicates(frame: pd.DataFrame, log: ErrorLog) -> None:
    dup = frame.duplicated("external_ref", keep="first")
    log.add_mask(frame, dup, "external_ref", "entry reference {value!r} appears twice")
