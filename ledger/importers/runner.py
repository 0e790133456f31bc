"""Run one import end to end: parse → validate against the ledger → write, in ONE transaction.

Nothing is written unless the whole file is valid: adapters collect every error of the file,
the reconciler adds conflicts with what the ledger holds, and only then does the writer run. A
re-import of the same file inserts nothing (keys: debtor external_id, invoice number, payment
external_ref) and leaves an :class:`~ledger.tables.ImportRun` row for the audit trail.
"""

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from ledger.db import session_scope
from ledger.importers import camt053, generic_csv, ibm, ledger_state, reconcile, sap, writer
from ledger.importers.batch import Batch, Entity, Format, ImportSummary
from ledger.importers.errors import ErrorLog, ImportValidationError, RowError
from ledger.importers.parsing import decode_utf8
from ledger.tables import Creditor, ImportRun

SUPPORTED: dict[Format, tuple[Entity, ...]] = {
    "csv": ("debtors", "invoices", "payments"),
    "sap": ("debtors", "invoices"),
    "camt053": ("payments",),
    "ibm": ("debtors", "invoices"),
}


def parse(path: Path, entity: Entity, fmt: Format) -> Batch:
    """Read and validate a file into a batch (no database access)."""
    label = str(path)
    if entity not in SUPPORTED.get(fmt, ()):
        allowed = ", ".join(SUPPORTED.get(fmt, ())) or "nothing"
        message = f"format {fmt!r} cannot import {entity} (it imports: {allowed})"
        raise ImportValidationError([RowError(label, None, None, message)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportValidationError([RowError(label, None, None, str(exc))]) from exc
    if fmt == "csv":
        return generic_csv.parse(label, decode_utf8(label, data), entity)
    if fmt == "sap":
        return sap.parse(label, data, entity)
    if fmt == "camt053":
        return camt053.parse(label, data)
    return ibm.parse(label, decode_utf8(label, data), entity)


def import_file(
    engine: Engine,
    path: Path,
    *,
    entity: Entity,
    fmt: Format,
    creditor: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportSummary:
    """Import ``path`` for ``creditor`` (created if new), all or nothing.

    Raises ImportValidationError (and writes nothing) when anything in the file is wrong.
    """
    started = time.perf_counter()
    report = progress or (lambda _s, _d, _t: None)
    report("reading", 0, 1)
    batch = parse(path, entity, fmt)
    report("reading", 1, 1)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with session_scope(engine) as session:
        state = ledger_state.load(session, creditor)
        log = ErrorLog(batch.file)
        plan = reconcile.plan(batch, state, log)
        log.raise_if_any()
        created = state.creditor_id is None
        creditor_id = state.creditor_id
        if creditor_id is None:
            row = Creditor(name=creditor)
            session.add(row)
            session.flush()
            assert row.id is not None
            creditor_id = row.id
        writer.write(session, creditor_id, batch, plan, report)
        summary = ImportSummary(
            file=batch.file, entity=entity, format=fmt, creditor=creditor,
            creditor_created=created, rows_read=batch.rows_read, sha256=sha, counts=plan.counts,
            unmatched_payments=plan.unmatched_payments,
        )  # fmt: skip
        run = ImportRun(
            creditor_id=creditor_id, entity=entity, format=fmt, filename=batch.file[-500:],
            sha256=sha, rows_read=batch.rows_read, inserted=summary.primary.inserted,
            unchanged=summary.primary.unchanged, updated=summary.primary.updated,
        )  # fmt: skip
        session.add(run)
        session.flush()
        summary.import_run_id = run.id
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
