"""Vectorised parsing of text columns: UTF-8 text, headers, ISO dates, euro amounts, lengths.

Every function reports problems into an :class:`~ledger.importers.errors.ErrorLog` (file, row,
column) instead of raising on the first one. Amounts become integer cents exactly: the text is
checked against a strict pattern and split into whole and fractional digits (no floats ever), which
is what ``Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP)`` gives for at most two decimals.
"""

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ledger.importers.errors import HEADER, ROW, ErrorLog, file_error, shorten
from ledger.types import MAX_AMOUNT_CENTS

_AMOUNT = r"^(-?)([0-9]{1,15})(?:\.([0-9]{1,2}))?$"
_TOO_LARGE = r"^-?[0-9]{16,}(?:\.[0-9]*)?$"
# A byte that is not UTF-8 becomes the character MARK + byte (supplementary private use area B,
# which no ledger export holds) so that pandas' Arrow strings can carry it to its row and column.
_MARK = 0x10FE00
_SURROGATE = re.compile("[\U0010fe80-\U0010feff]")
_TOO_PRECISE = r"^-?\d+\.\d{3,}$"
_MAX_EUROS = MAX_AMOUNT_CENTS // 100
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def decode_utf8(file: str, data: bytes) -> str:
    """The text of ``data`` (a UTF-8 BOM is dropped); bytes that are not UTF-8 are kept as marked
    characters so that :func:`read_csv` can name the row and column of every bad cell.

    UTF-16/32 files (a BOM or NUL bytes between the characters) are refused as a whole.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:4]):
        raise file_error(file, "encoding", "the file is UTF-16 or UTF-32; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="surrogateescape")
        return text.translate({0xDC00 + b: _MARK + b for b in range(0x80, 0x100)})


def _not_utf8(value: str) -> str:
    byte = next(ord(ch) - _MARK for ch in value if _SURROGATE.match(ch))
    return f"not UTF-8: byte 0x{byte:02x} in {shorten(_clean(value))!r}; save the file as UTF-8"


def _clean(value: str) -> str:
    return _SURROGATE.sub("\ufffd", value)


def read_csv(
    text: str,
    log: ErrorLog,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    strict: bool = True,
) -> pd.DataFrame:
    """All cells as stripped strings ('' when empty) plus ``_row``; every problem goes to ``log``.

    The header is checked (missing, unknown with ``strict``, repeated columns; a wrong delimiter),
    every record with more fields than the header is named, every cell that is not UTF-8 is named,
    and the frame always has every required and optional column (absent ones empty, see
    :attr:`ErrorLog.absent`) so that validation goes on for the rest of the file.
    """
    frame = _records(text, log)
    for name in frame.columns:
        if _SURROGATE.search(str(name)):
            log.add(HEADER, _clean(str(name)).strip(), _not_utf8(str(name)))
    frame.columns = [_clean(str(c)).strip() for c in frame.columns]
    _check_header(list(frame.columns), log, required, optional, strict=strict)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if strict:
        frame = frame[[c for c in frame.columns if c in set(required) | set(optional)]]
    for col in (*required, *optional):
        if col not in frame.columns:
            frame[col] = ""
    for col in frame.columns:
        frame[col] = frame[col].astype(str).str.strip()
    frame[ROW] = range(1, len(frame) + 1)
    if _SURROGATE.search(text):
        for col in [c for c in frame.columns if c != ROW]:
            bad = frame[col].str.contains(_SURROGATE)
            if bool(bad.any()):
                for row, value in zip(frame.loc[bad, ROW], frame.loc[bad, col], strict=True):
                    log.add(int(row), col, _not_utf8(value))
                frame.loc[bad, col] = frame.loc[bad, col].map(_clean)
    return frame


def _records(text: str, log: ErrorLog) -> pd.DataFrame:
    """Pandas' C parser for well-formed files; Python's csv module names every broken record."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, sep=",",
                index_col=False,
            )  # fmt: skip
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserWarning, pd.errors.ParserError, ValueError, OverflowError):
        return _records_slowly(text, log)


def _records_slowly(text: str, log: ErrorLog) -> pd.DataFrame:
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for record in reader:
            if not record:
                continue
            if header is None:
                header = record
                continue
            width = len(header)
            if len(record) > width:
                log.add(len(rows) + 1, _clean(header[-1]).strip() or "header",
                        f"{len(record)} fields where the header has {width} (a comma inside an "
                        "unquoted value, or another delimiter?)")  # fmt: skip
            rows.append((record + [""] * width)[:width])
    except csv.Error as exc:
        last = _clean(header[-1]).strip() if header else "header"
        log.add(len(rows) + 1 if header else HEADER, last, f"unreadable CSV: {exc}")
    if header is None:
        return pd.DataFrame()
    return pd.DataFrame(rows, columns=header, dtype=str)


def _check_header(
    header: list[str],
    log: ErrorLog,
    required: Sequence[str],
    optional: Sequence[str],
    *,
    strict: bool,
) -> None:
    allowed = set(required) | set(optional)
    if len(header) == 1 and required and header[0] not in allowed:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                log.add(HEADER, str(shorten(header[0])),
                        f"the header looks {name}-separated; use commas")  # fmt: skip
                break
    for col in required:
        if col not in header:
            log.add(HEADER, col, "missing column")
            log.absent.add(col)
    seen: set[str] = set()
    for col in header:
        if col in seen:
            log.add(HEADER, col, "the column appears twice in the header")
        seen.add(col)
        if strict and col not in allowed:
            hint = "unknown column (check the spelling against the documented headers)"
            log.add(HEADER, str(shorten(col)) or "(empty)", hint)


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
    too_large = text.str.match(_TOO_LARGE)
    log.add_mask(frame, too_precise, col, "amount {value!r} has more than 2 decimals")
    log.add_mask(frame, too_large & ~too_precise, col, "amount {value!r} is too large")
    log.add_mask(
        frame,
        ~ok & ~empty & ~too_precise & ~too_large,
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
    if abs(value) >= _MAX_EUROS:
        raise ValueError(f"amount {text!r} is too large")
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
