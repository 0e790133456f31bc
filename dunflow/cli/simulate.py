"""``dunflow simulate``: a synthetic ledger with known ground truth, and policy replay in it."""

import typer

app = typer.Typer(
    help="Generate a synthetic ledger with known ground truth; replay policies in it.",
    no_args_is_help=True,
)
