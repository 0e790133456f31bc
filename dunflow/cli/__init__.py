"""The ``dunflow`` console script: one Typer app, one module per command group.

To add a command group: create ``dunflow/cli/<group>.py`` with ``app = typer.Typer(...)`` and add it
to ``_GROUPS`` below. Commands stay thin: parse, call a package function, print with Rich.
"""

import importlib

import typer

app = typer.Typer(
    name="dunflow",
    help="ML-driven dunning: ledger, features, models, scoring API, scheduler and reports.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# (module, command name) — each module exposes ``app``.
_GROUPS: list[tuple[str, str]] = [
    ("dunflow.cli.db", "db"),
    ("dunflow.cli.importing", "import"),
    ("dunflow.cli.ledger", "ledger"),
    ("dunflow.cli.rules", "rules"),
    ("dunflow.cli.simulate", "simulate"),
    ("dunflow.cli.train", "train"),
    ("dunflow.cli.apikey", "apikey"),
    ("dunflow.cli.report", "report"),
    ("dunflow.cli.models", "models"),
    ("dunflow.cli.scheduler", "scheduler"),
    ("dunflow.cli.creditor", "creditor"),
    ("dunflow.cli.segment", "segment"),
    ("dunflow.cli.dossier", "dossier"),
    ("dunflow.cli.call", "call"),
    ("dunflow.cli.user", "user"),
    ("dunflow.cli.batch", "batch"),
]
# (module, function): single commands
_COMMANDS: list[tuple[str, str]] = [("dunflow.cli.serve", "serve")]

for _module, _name in _GROUPS:
    app.add_typer(importlib.import_module(_module).app, name=_name)
for _module, _name in _COMMANDS:
    app.command(name=_name)(getattr(importlib.import_module(_module), _name))


def main() -> None:
    app()
