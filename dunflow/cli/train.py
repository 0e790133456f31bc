"""``dunflow train``: Train and register models."""

import typer

app = typer.Typer(help="Train and register models.", no_args_is_help=True)
