"""``dunflow models``: the registered models, their versions and aliases; ``promote`` runs the
promotion gate (:mod:`training.policy_promote`) on a version."""

import json
from typing import Annotated

import typer
from rich.table import Table

from dunflow.cli.common import GateFamily, GateWorlds, cli_actor, console, fail

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


@app.command("promote")
def promote(
    version: Annotated[int, typer.Option("--version", min=1, help="Registry version to promote.")],
    force: Annotated[
        bool, typer.Option("--force", help="Promote even if the gate refuses (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the gate is overridden (kept in the audit).")
    ] = None,
    gate_family_name: GateFamily = "validation",
    gate_worlds: GateWorlds = None,
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
) -> None:
    """Run the promotion gate on a version of dunning-policy; alias champion moves only when every
    check passes (or with --force --reason, which the verdict and the version's tags record)."""
    from training.policy_gate import GateConfig, gate_family
    from training.policy_promote import promote_version

    if force and not reason:
        fail("--reason: say why the gate is overridden (required with --force)")
    if reason and not force:
        fail("--reason: only with --force")
    try:
        gate = GateConfig(family=gate_family(gate_family_name, gate_worlds))
        result = promote_version(
            version, gate, force_reason=reason if force else None, by=cli_actor()
        )
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        table = Table("check", "passed", "figures")
        for c in result["verdict"]["checks"]:
            table.add_row(c["name"], "yes" if c["passed"] else "NO", json.dumps(c["figures"])[:90])
        console.print(table)
        console.print(f"version {version}: {result['decision']}")
    if result["decision"] == "not promoted":
        raise typer.Exit(1)
