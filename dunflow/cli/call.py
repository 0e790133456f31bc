"""``dunflow call worklist|list|outcome|import|after``: the call cases without SQL.

``worklist`` prints today's calls (and ``list`` writes the creditor's call list file for the day);
``outcome`` reports one call by the call list's row key, ``import`` a CSV of outcomes (all rows
or none, every problem with its row and column); ``after`` sets an invoice's own "call after N
days past due". The work is :mod:`serving.operate.call_cases` and ``call_outcomes``.
"""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from dunflow.cli.common import DbOption, cli_actor, console, database_url, fail, fail_invalid

app = typer.Typer(help="Call cases: worklist, outcomes, call-after days.", no_args_is_help=True)
CreditorOption = Annotated[str, typer.Option("--creditor", help="Creditor name.")]
DayOption = Annotated[
    str | None, typer.Option("--day", help="YYYY-MM-DD (default: today).", show_default=False)
]


def _day(raw: str | None) -> date:
    if raw is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"--day: {raw!r} is not YYYY-MM-DD")


def _run(creditor: str, db: str | None, work: Any) -> Any:
    from ledger.db import make_engine, session_scope
    from ledger.importers.errors import ImportValidationError
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.operate.dossier_actions import ActionRefusedError

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            return work(session, find_creditor(session, creditor))
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except ActionRefusedError as err:
        fail(f"--{err.field.replace('_', '-')}: {err}")
    except ImportValidationError as err:
        fail("\n".join(str(e) for e in err.errors))
    except LookupError as err:
        fail(str(err))
    finally:
        engine.dispose()


@app.command()
def worklist(creditor: CreditorOption, day: DayOption = None, db: DbOption = None) -> None:
    """Today's calls in calling order: row key, attempt, time, debtor, numbers, invoices."""
    from rich.table import Table

    from policy.money import format_eur
    from serving.operate.call_cases import worklist as work

    items = _run(creditor, db, lambda s, c: work(s, c.id, _day(day)))
    table = Table("row key", "try", "at", "debtor", "phone", "invoices", "open")
    for i in items:
        table.add_row(
            i.row_key,
            str(i.attempt),
            f"{i.planned_at.astimezone():%H:%M}",
            i.debtor_name,
            " ".join(i.phone_numbers),
            " ".join(line.number for line in i.invoices),
            format_eur(i.total_open_cents),
        )
    console.print(table)


@app.command(name="list")
def call_list(creditor: CreditorOption, day: DayOption = None, db: DbOption = None) -> None:
    """Write the creditor's call list of the day (CSV under the outbox) and print its path."""
    from serving.operate.call_cases import write_call_list
    from serving.senders.settings import get_sender_settings

    outbox = get_sender_settings().outbox_dir
    path = _run(creditor, db, lambda s, c: write_call_list(s, c, _day(day), outbox))
    console.print(str(path), highlight=False)


@app.command()
def outcome(
    creditor: CreditorOption,
    row_key: Annotated[str, typer.Option("--row-key", help="The call list's row key.")],
    result: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="no_answer, promise, paid, wants_copy, complaint, dispute or unreachable.",
        ),
    ],
    attempt: Annotated[int | None, typer.Option("--attempt", help="Which attempt.")] = None,
    promised_date: Annotated[
        str | None, typer.Option("--promised-date", help="promise: YYYY-MM-DD.")
    ] = None,
    amount_cents: Annotated[int | None, typer.Option("--amount-cents", help="paid.")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
) -> None:
    """Report one call by its row key."""
    from pydantic import ValidationError

    from serving.operate.call_outcomes import CallOutcome, record_call_outcome

    values = {
        "row_key": row_key,
        "outcome": result,
        "attempt": attempt,
        "promised_date": promised_date,
        "amount_cents": amount_cents,
        "note": note,
    }
    try:
        body = CallOutcome.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as err:
        fail_invalid(err, "--")
    answer = _run(
        creditor,
        db,
        lambda s, c: record_call_outcome(s, c, body, actor=cli_actor(), now=datetime.now(UTC)),
    )
    console.print(json.dumps(answer, default=str), highlight=False)


@app.command(name="import")
def import_(
    creditor: CreditorOption,
    path: Annotated[Path, typer.Argument(help="CSV: row_key, outcome[, attempt, …].")],
    db: DbOption = None,
) -> None:
    """Import a CSV of call outcomes: all rows or none."""
    from serving.operate.call_outcomes import import_outcomes

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{path}: {err}")
    answers = _run(
        creditor,
        db,
        lambda s, c: import_outcomes(
            s, c, text, filename=path.name, actor=cli_actor(), now=datetime.now(UTC)
        ),
    )
    console.print(f"{len(answers)} outcomes recorded from {path.name}", highlight=False)


@app.command()
def after(
    creditor: CreditorOption,
    invoice: Annotated[str, typer.Option("--invoice", help="The invoice number.")],
    days: Annotated[
        int | None,
        typer.Option("--days", min=0, max=3650, help="Days past due; omit: the segment's."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Set an invoice's own "call after N days past due"."""
    from serving.operate.call_cases import set_call_after

    row = _run(creditor, db, lambda s, c: set_call_after(s, c.id, invoice, days, actor=cli_actor()))
    console.print(f"{row.number}: call after {row.call_after_days} days", highlight=False)
