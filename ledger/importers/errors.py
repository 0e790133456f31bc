"""Validation errors of an import: every problem names its file, row and column.

Importers collect errors for the whole file in one pass (format errors of every row, then the
references the ledger cannot resolve, no early exit) and raise one :class:`ImportValidationError`
carrying all of them in row order, so a user fixes a file in one go. Nothing is ever written when
an error was collected. Row 0 is the header (CSV) or the document outside any entry (XML).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

#: Column holding the 1-based data row (CSV) or entry ordinal (CAMT) of every parsed record.
ROW = "_row"
#: Row number of the header line (CSV) or of the document outside any entry (XML).
HEADER = 0
_SHOWN = 60  # characters of a bad value quoted in a message


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` is the 1-based data row (header excluded), 0 for the header itself."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = "header" if self.row == HEADER else f"row {self.row}"
        return f"{self.file}, {where}, column {self.column}: {self.message}"


class ImportValidationError(Exception):
    """The file was refused; ``errors`` lists (up to a cap) what is wrong, ``total`` counts all."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        first = str(errors[0]) if errors else "invalid input"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(first + more)


def shorten(value: object) -> object:
    """A value fit to quote in a message: long text is cut (a 10 MB cell stays out of the log)."""
    if isinstance(value, str) and len(value) > _SHOWN:
        return value[: _SHOWN - 1] + "…"
    return value


class ErrorLog:
    """Collects errors for one file; keeps the ``limit`` earliest rows and counts the rest.

    ``absent`` holds columns the header lacks: that is reported once at the header, so the rows'
    own errors on such a column are implied and dropped.
    """

    def __init__(self, file: str, limit: int = 1000) -> None:
        self.file = file
        self.limit = limit
        self.total = 0
        self.absent: set[str] = set()
        self.rows: set[int] = set()  # every row with an error, beyond the cap as well
        self._kept: list[tuple[int, int, RowError]] = []

    def add(self, row: int, column: str, message: str) -> None:
        if row != HEADER and column in self.absent:
            return
        column = str(shorten(column))  # a header cell can be a megabyte of junk too
        self.total += 1
        self.rows.add(row)
        self._kept.append((row, self.total, RowError(self.file, row, column, message)))
        if len(self._kept) > 2 * self.limit:
            self._kept = sorted(self._kept)[: self.limit]

    def add_rows(self, rows: Iterable[int], column: str, message: str) -> None:
        for row in rows:
            self.add(int(row), column, message)

    def add_mask(
        self, frame: pd.DataFrame, mask: "pd.Series[bool]", column: str, message: str
    ) -> None:
        """One error per row of ``frame`` where ``mask`` holds; ``{value}`` names the bad value."""
        if not bool(mask.any()):
            return
        bad = frame.loc[mask]
        values = bad[column].tolist() if column in bad.columns else [None] * len(bad)
        for row, value in zip(bad[ROW].tolist(), values, strict=True):
            self.add(int(row), column, message.format(value=shorten(value)))

    @property
    def errors(self) -> list[RowError]:
        """The kept errors in row order (stable: within a row, in the order they were found)."""
        return [err for _row, _seq, err in sorted(self._kept)[: self.limit]]

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportValidationError(self.errors, self.total)


def file_error(file: str, column: str, message: str) -> ImportValidationError:
    """A problem with the file as a whole (unreadable, wrong kind): reported at the header."""
    return ImportValidationError([RowError(file, HEADER, column, message)])
