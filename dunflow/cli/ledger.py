"""``dunflow ledger``: look at the ledger."""

import json
from datetime import date

import typer
from rich.table import Table

from dunflow.cli.common import DbOption, console, database_url, fail

app = typer.Typer(help="Look at the ledger.", no_args_is_help=True)


def _eur(cents: int) -> str:
    return f"€ {cents / 100:,.2f}"


@app.command()
def summary(
    creditor: str = typer.Option(..., "--creditor", help="Creditor name."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Reference date YYYY-MM-DD for aging and DSO (default: today)."
    ),
    period_days: int = typer.Option(90, "--period-days", min=1, help="DSO period in days."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: DbOption = None,
) -> None:
    """Counts, open amount, aging buckets and DSO of one creditor."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, summarize

    try:
        ref = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        fail(f"--as-of: {as_of!r} is not a date (expected YYYY-MM-DD)")
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            result = summarize(session, creditor_name=creditor, as_of=ref, period_days=period_days)
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    table = Table(title=f"{result.creditor} — ledger as of {result.as_of}", show_header=False)
    table.add_row("debtors", f"{result.debtors:,}")
    table.add_row("invoices (open)", f"{result.invoices:,} ({result.open_invoices:,})")
    table.add_row("payments", f"{result.payments:,}")
    table.add_row("invoiced", _eur(result.invoiced_amount_cents))
    table.add_row("open amount", _eur(result.open_amount_cents))
    for bucket, figures in result.aging.items():
        table.add_row(
            f"  {bucket}", f"{figures['invoices']:,} · {_eur(figures['open_amount_cents'])}"
        )
    dso = (
        "n/a (nothing invoiced in the period)" if result.dso_days is None else f"{result.dso_days}"
    )
    table.add_row(f"DSO ({result.dso_period_days} d)", dso)
    console.print(table)
