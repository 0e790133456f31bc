"""Run one import end to end: parse → validate against the ledger → write, in ONE transaction.

Nothing is written unless the whole file is valid: adapters collect every error of the file and
the reconciler adds, in the same pass, what the ledger cannot resolve (unknown debtors and
invoices, conflicts with what it holds); the errors come back in row order and only a clean file
reaches the writer. A re-import of the same file inserts nothing (keys: debtor external_id,
invoice number, payment external_ref) and leaves an :class:`~ledger.tables.ImportRun` row for the
audit trail. An unknown creditor is refused unless the caller asks for it to be created: a typo in
a creditor's name must never start a new tenant.
"""

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.db import session_scope
from ledger.importers import camt053, generic_csv, ibm, ledger_state, reconcile, sap, writer
from ledger.importers.batch import Batch, Entity, Format, ImportSummary
from ledger.importers.errors import ErrorLog, file_error
from ledger.importers.parsing import decode_utf8
from ledger.summary import find_creditor
from ledger.tables import Creditor, ImportRun

SUPPORTED: dict[Format, tuple[Entity, ...]] = {
    "csv": ("debtors", "invoices", "payments"),
    "sap": ("debtors", "invoices"),
    "camt053": ("payments",),
    "ibm": ("debtors", "invoices"),
}


def parse_into(path: Path, entity: Entity, fmt: Format, log: ErrorLog) -> Batch:
    """Read a file into a batch, every problem into ``log`` (no database access).

    Raises ImportValidationError only when the file cannot be read as its format at all.
    """
    label = log.file
    if entity not in SUPPORTED.get(fmt, ()):
        allowed = ", ".join(SUPPORTED.get(fmt, ())) or "nothing"
        raise file_error(label, "--format", f"format {fmt!r} cannot import {entity} "
                                            f"(it imports: {allowed})")  # fmt: skip
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise file_error(label, "file", f"cannot read the file: {exc.strerror or exc}") from exc
    if fmt == "csv":
        return generic_csv.parse(label, decode_utf8(label, data), entity, log)
    if fmt == "sap":
        return sap.parse(label, data, entity, log)
    if fmt == "camt053":
        return camt053.parse(label, data, log)
    return ibm.parse(label, decode_utf8(label, data), entity, log)


def parse(path: Path, entity: Entity, fmt: Format) -> Batch:
    """Read and validate a file into a batch (no database access); raises on any problem."""
    log = ErrorLog(str(path))
    batch = parse_into(path, entity, fmt, log)
    log.raise_if_any()
    return batch


def import_file(
    engine: Engine,
    path: Path,
    *,
    entity: Entity,
    fmt: Format,
    creditor: str,
    create_creditor: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportSummary:
    """Import ``path`` for ``creditor``, all or nothing.

    Raises :class:`~ledger.summary.UnknownCreditorError` when the creditor does not exist and
    ``create_creditor`` is false, and ImportValidationError (listing every problem of the file in
    row order) when anything in the file is wrong; nothing is written in either case.
    """
    started = time.perf_counter()
    report = progress or (lambda _s, _d, _t: None)
    if not create_creditor:
        with Session(engine) as session:
            find_creditor(session, creditor)  # before reading: a typo costs no 30-second parse
    report("reading", 0, 1)
    log = ErrorLog(str(path))
    batch = parse_into(path, entity, fmt, log)
    report("reading", 1, 1)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with session_scope(engine) as session:
        state = ledger_state.load(session, creditor)
        if state.creditor_id is None and not create_creditor:
            find_creditor(session, creditor)  # deleted meanwhile: refused the same way
        plan = reconcile.plan(batch, state, log)
        log.raise_if_any()
        assert plan is not None  # None only when the log holds an error
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
