"""``dunflow ledger``: Look at the ledger."""

import typer

app = typer.Typer(help="Look at the ledger.", no_args_is_help=True)
