"""``dunflow import``: Import debtors, invoices and payments (CSV, SAP, CAMT.053, IBM).

Thin wrapper around :func:`ledger.importers.import_file`: one transaction per file, all or
nothing, idempotent; an unknown creditor is refused unless ``--create-creditor`` is given.
Prints a Rich progress bar and a summary table (or JSON with ``--json``).
"""

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from dunflow.cli.common import DbOption, console, database_url, err_console, fail

app = typer.Typer(
    help="Import debtors, invoices and payments (CSV, SAP, CAMT.053, IBM).", no_args_is_help=True
)

MAX_ERRORS_SHOWN = 20


class FileFormat(StrEnum):
    CSV = "csv"
    SAP = "sap"
    CAMT053 = "camt053"
    IBM = "ibm"


FileArg = Annotated[Path, typer.Argument(help="The file to import (SAP: a .csv or a .zip).")]
CreditorOpt = Annotated[
    str, typer.Option("--creditor", help="Creditor (tenant) name; it must exist (see below).")
]
CreateOpt = Annotated[
    bool,
    typer.Option("--create-creditor", help="Create the creditor when it does not exist yet."),
]
FormatOpt = Annotated[FileFormat, typer.Option("--format", help="Input format.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]


@app.command()
def debtors(
    file: FileArg, creditor: CreditorOpt, fmt: FormatOpt = FileFormat.CSV, db: DbOption = None,
    as_json: JsonOpt = False, create_creditor: CreateOpt = False,
) -> None:  # fmt: skip
    """Import debtors (csv; sap and ibm create debtors from their line items)."""
    _run("debtors", file, creditor, fmt, db, as_json=as_json, create=create_creditor)


@app.command()
def invoices(
    file: FileArg, creditor: CreditorOpt, fmt: FormatOpt = FileFormat.CSV, db: DbOption = None,
    as_json: JsonOpt = False, create_creditor: CreateOpt = False,
) -> None:  # fmt: skip
    """Import invoices (csv; sap and ibm also create debtors and record payments)."""
    _run("invoices", file, creditor, fmt, db, as_json=as_json, create=create_creditor)


@app.command()
def payments(
    file: FileArg, creditor: CreditorOpt, fmt: FormatOpt = FileFormat.CSV, db: DbOption = None,
    as_json: JsonOpt = False, create_creditor: CreateOpt = False,
) -> None:  # fmt: skip
    """Import payments (csv, or camt053 bank statements) and allocate them to invoices."""
    _run("payments", file, creditor, fmt, db, as_json=as_json, create=create_creditor)


def _run(entity: str, file: Path, creditor: str, fmt: FileFormat, db: str | None, *,
         as_json: bool, create: bool) -> None:  # fmt: skip
    import sqlalchemy as sa

    from ledger.db import make_engine
    from ledger.importers import ImportValidationError, import_file
    from ledger.summary import UnknownCreditorError

    engine = make_engine(database_url(db))
    try:
        if not sa.inspect(engine).has_table("creditor"):
            fail("the ledger has no tables yet: run `dunflow db upgrade` first")
        with _ProgressBar(quiet=as_json) as report:
            summary = import_file(engine, file, entity=entity, fmt=fmt.value,  # type: ignore[arg-type]
                                  creditor=creditor, create_creditor=create,
                                  progress=report)  # fmt: skip
    except UnknownCreditorError as exc:
        fail(f"--creditor: {exc}; nothing was imported (give --create-creditor to create it)")
    except ImportValidationError as exc:
        _print_errors(exc, as_json)
        fail(f"{file}: {exc.total} problem(s) found; nothing was imported")
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), default=str))
        return
    _print_summary(summary.as_dict())


class _ProgressBar:
    """A Rich progress bar on stderr with one line per stage, fed by the importer's callback."""

    def __init__(self, *, quiet: bool) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
            console=err_console, transient=True, disable=quiet,
        )  # fmt: skip
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=max(total, 1))
        self.bar.update(self.tasks[stage], completed=done if total else 1)

    def __enter__(self) -> "_ProgressBar":
        self.bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.bar.stop()


def _print_errors(exc: Any, as_json: bool) -> None:
    if as_json:  # every kept error (the importer keeps the first 1,000 rows' worth), in row order
        rows = [{"file": e.file, "row": e.row, "column": e.column, "message": e.message}
                for e in exc.errors]  # fmt: skip
        typer.echo(json.dumps({"ok": False, "total_errors": exc.total, "errors": rows}))
        return
    shown = exc.errors[:MAX_ERRORS_SHOWN]
    for err in shown:
        err_console.print(f"  {err}", highlight=False, soft_wrap=True)
    if exc.total > len(shown):
        err_console.print(f"  … and {exc.total - len(shown)} more", highlight=False)


def _print_summary(data: dict[str, Any]) -> None:
    if data["creditor_created"]:
        console.print(f"created creditor [bold]{data['creditor']}[/]")
    table = Table(title=f"{data['file']} ({data['format']}, {data['rows_read']} rows read)")
    for col in ("records", "inserted", "unchanged", "updated"):
        table.add_column(col, justify="left" if col == "records" else "right")
    for kind, c in data["counts"].items():
        table.add_row(kind, str(c["inserted"]), str(c["unchanged"]), str(c["updated"]))
    console.print(table)
    if data["unmatched_payments"]:
        console.print(
            f"{data['unmatched_payments']} payment(s) matched no invoice (kept unallocated)"
        )
    console.print(f"done in {data['seconds']:.1f} s (import run {data['import_run_id']})")
