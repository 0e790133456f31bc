"""Validation errors of an import: every problem names its file, row and column.

Importers collect errors for the whole file first (vectorised, no early exit) and raise one
:class:`ImportValidationError` carrying all of them, so a user fixes a file in one pass. Nothing is
ever written when an error was collected.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

#: Column holding the 1-based data row (CSV) or entry ordinal (CAMT) of every parsed record.
ROW = "_row"


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` is the 1-based data row (header excluded) or None for the whole file."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class ImportValidationError(Exception):
    """The file was refused; ``errors`` lists (up to a cap) what is wrong, ``total`` counts all."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        first = str(errors[0]) if errors else "invalid input"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(first + more)


class ErrorLog:
    """Collects errors for one file; keeps the first ``limit`` and counts the rest."""

    def __init__(self, file: str, limit: int = 1000) -> None:
        self.file = file
        self.limit = limit
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.errors) < self.limit:
            self.errors.append(RowError(self.file, row, column, message))

    def add_rows(self, rows: Iterable[int], column: str | None, message: str) -> None:
        for row in rows:
            self.add(int(row), column, message)

    def add_mask(
        self, frame: pd.DataFrame, mask: "pd.Series[bool]", column: str | None, message: str
    ) -> None:
        """One error per row of ``frame`` where ``mask`` holds; ``{value}`` names the bad value."""
        if not bool(mask.any()):
            return
        bad = frame.loc[mask]
        values = bad[column].tolist() if column in bad.columns else [None] * len(bad)
        for row, value in zip(bad[ROW].tolist(), values, strict=True):
            self.add(int(row), column, message.format(value=value))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportValidationError(list(self.errors), self.total)
