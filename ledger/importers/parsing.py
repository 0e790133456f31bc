"""Vectorised parsing of text columns: UTF-8 text, headers, ISO dates, euro amounts, lengths.

Every function reports problems into an :class:`~ledger.importers.errors.ErrorLog` (file, row,
column) instead of raising on the first one. Amounts become integer cents exactly: the text is
checked against a strict pattern and split into whole and fractional digits (no floats ever), which
is what ``Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP)`` gives for at most two decimals.
"""

import io
import re
import warnings
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ledger.importers.errors import ROW, ErrorLog, ImportValidationError, RowError

_AMOUNT = r"^(-?)(\d+)(?:\.(\d{1,2}))?$"
_TOO_PRECISE = r"^-?\d+\.\d{3,}$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def decode_utf8(file: str, data: bytes) -> str:
    """The text of ``data``; refuses bytes that are not UTF-8, naming the byte offset and line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = (
            f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}); "
            "save the file as UTF-8"
        )
        raise ImportValidationError([RowError(file, max(line - 1, 1), None, message)]) from exc


def read_csv(
    file: str,
    text: str,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    strict: bool = True,
) -> pd.DataFrame:
    """All cells as stripped strings ('' when empty) plus ``_row``; checks the header.

    ``strict`` refuses columns that are neither required nor optional (typos lose data silently).
    """
    log = ErrorLog(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, sep=",",
                index_col=False,
            )  # fmt: skip
    except pd.errors.ParserWarning as exc:
        message = "more fields than the header has (a comma inside an unquoted value?)"
        raise ImportValidationError([RowError(file, 1, None, message)]) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        found = re.search(r"line (\d+)", str(exc))
        row = int(found.group(1)) - 1 if found else None
        raise ImportValidationError([RowError(file, row, None, f"unreadable CSV: {exc}")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    allowed = set(required) | set(optional)
    for col in required:
        if col not in frame.columns:
            log.add(None, col, "missing column")
    for col in frame.columns:
        if strict and col not in allowed:
            log.add(None, col, "unknown column (check the spelling against the documented headers)")
    log.raise_if_any()
    for col in optional:
        if col not in frame.columns:
            frame[col] = ""
    for col in frame.columns:
        frame[col] = frame[col].astype(str).str.strip()
    frame[ROW] = range(1, len(frame) + 1)
    return frame


def require_values(frame: pd.DataFrame, columns: Sequence[str], log: ErrorLog) -> None:
    for col in columns:
        log.add_mask(frame, frame[col] == "", col, "value is required")


def parse_dates(
    frame: pd.DataFrame, col: str, log: ErrorLog, *, fmt: str = "%Y-%m-%d", required: bool = True
) -> "pd.Series[pd.Timestamp]":
    """Dates (as datetime64, NaT when empty); a value not in ``fmt`` is an error."""
    text = frame[col]
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    empty = text == ""
    bad = parsed.isna() & ~empty
    if fmt == "%Y-%m-%d":
        bad |= ~empty & ~text.str.match(_ISO_DATE)
    log.add_mask(frame, bad, col, "not a valid date {value!r} (expected " + _fmt_name(fmt) + ")")
    if required:
        log.add_mask(frame, empty, col, "date is required")
    return parsed.where(~bad)


def _fmt_name(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")


def parse_cents(
    frame: pd.DataFrame,
    col: str,
    log: ErrorLog,
    *,
    allow_negative: bool = False,
    required: bool = True,
) -> "pd.Series[int]":
    """Euro amounts with a dot decimal ("267.00") as integer cents (nullable Int64)."""
    text = frame[col]
    empty = text == ""
    parts = text.str.extract(_AMOUNT)
    ok = parts[1].notna()
    too_precise = text.str.match(_TOO_PRECISE)
    log.add_mask(frame, too_precise, col, "amount {value!r} has more than 2 decimals")
    log.add_mask(
        frame,
        ~ok & ~empty & ~too_precise,
        col,
        "not a number {value!r} (write euros with a dot decimal, e.g. 267.00)",
    )
    if required:
        log.add_mask(frame, empty, col, "amount is required")
    whole = pd.to_numeric(parts[1].where(ok, "0")).astype("int64")
    frac = pd.to_numeric(parts[2].fillna("").str.pad(2, side="right", fillchar="0"))
    cents = (whole * 100 + frac.astype("int64")).where(parts[0] != "-", -(whole * 100 + frac))
    result = cents.astype("Int64").where(ok)
    if not allow_negative:
        log.add_mask(frame, result.lt(0).fillna(False), col, "negative amount {value!r}")
    return result


def to_cents(text: str) -> int:
    """One euro amount as cents, exactly (Decimal, round half up); ValueError if not a number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a number {text!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"amount {text!r} has more than 2 decimals")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_lengths(
    frame: pd.DataFrame, table: type, columns: Sequence[str], log: ErrorLog, *, label: str = ""
) -> None:
    """Refuse values longer than the ledger column allows (PostgreSQL would refuse them later)."""
    sa_table: sa.Table = table.__table__  # type: ignore[attr-defined]
    for col in columns:
        length = getattr(sa_table.c[col].type, "length", None)
        if length is None or col not in frame.columns:
            continue
        values = frame[col].fillna("").astype(str)
        log.add_mask(frame, values.str.len() > length, label or col, f"longer than {length}")


def split_list(text: str) -> list[str]:
    """'sms; letter' or 'sms|letter' → ['sms', 'letter']."""
    return [part.strip().lower() for part in re.split(r"[;|]", text) if part.strip()]


def isin(series: "pd.Series[Any]", candidates: Iterable[Any]) -> "pd.Series[bool]":
    """``series.isin`` for string keys, via Arrow (pandas' own is slow for large key sets)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.array([str(v) for v in candidates], type=pa.string())
    data = pa.array(series.astype(str), type=pa.string())
    mask = pc.fill_null(pc.is_in(data, value_set=keys), False)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)
