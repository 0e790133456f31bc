"""Ledger importers: generic CSV, SAP FI-AR exports, CAMT.053 bank statements, IBM sample.

Public API: :func:`import_file` (one file, one transaction, all-or-nothing, idempotent),
:class:`ImportSummary`, :class:`ImportValidationError` and :class:`RowError`. Formats are
documented in ``ledger/importers/README.md``.

To add a format: 1. write ``ledger/importers/<format>.py`` with a ``parse`` that turns the file
into a :class:`~ledger.importers.batch.Batch` (validate everything, collect errors in an
``ErrorLog``); 2. register it in ``runner.SUPPORTED`` and ``runner.parse``; 3. add good and bad
sample files and tests under ``tests/ledger/importers/``.
"""

from ledger.importers.batch import Counts, Entity, Format, ImportSummary
from ledger.importers.errors import ImportValidationError, RowError
from ledger.importers.runner import SUPPORTED, import_file, parse

__all__ = [
    "SUPPORTED",
    "Counts",
    "Entity",
    "Format",
    "ImportSummary",
    "ImportValidationError",
    "RowError",
    "import_file",
    "parse",
]
