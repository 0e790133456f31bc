"""``dunflow import``: Import debtors, invoices and payments (CSV, SAP, CAMT.053, IBM)."""

import typer

app = typer.Typer(
    help="Import debtors, invoices and payments (CSV, SAP, CAMT.053, IBM).", no_args_is_help=True
)
