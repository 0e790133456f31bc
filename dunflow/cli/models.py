"""``dunflow models``: the registered models, their versions and aliases."""

import json

import typer
from rich.table import Table

from dunflow.cli.common import console

app = typer.Typer(help="Registered models, versions and aliases.", no_args_is_help=True)


@app.command("list")
def list_models(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every registered model's versions, with aliases and the gate's verdict."""
    from mlflow.tracking import MlflowClient

    from training import tracking

    tracking.start()
    client = MlflowClient()
    rows = []
    for model in client.search_registered_models():
        aliases = {str(v): a for a, v in (model.aliases or {}).items()}
        for version in client.search_model_versions(f"name='{model.name}'"):
            rows.append(
                {
                    "model": model.name,
                    "version": version.version,
                    "aliases": [a for v, a in aliases.items() if v == str(version.version)],
                    "run_id": version.run_id,
                    "gate": (version.tags or {}).get("gate", ""),
                    "created": version.creation_timestamp,
                }
            )
    rows.sort(key=lambda r: (r["model"], int(r["version"])))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("model", "version", "aliases", "gate", "run")
    for r in rows:
        table.add_row(
            r["model"], str(r["version"]), ", ".join(r["aliases"]), r["gate"], r["run_id"]
        )
    console.print(table if rows else "no registered models yet")
