"""``dunflow rules``: Collection law, interest and contact windows, as calculators."""

import typer

app = typer.Typer(
    help="Collection law, interest and contact windows, as calculators.", no_args_is_help=True
)
