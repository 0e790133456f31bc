"""``dunflow creditor show|set|create|history``: a creditor's settings without SQL.

The same validation as the API (:class:`policy.creditor_config.CreditorConfig`), each change
audited in the dossier as ``cli:<user>``. Values are JSON when they parse as JSON
(``min_gap_days=5``, ``allowed_weekdays=[0,1,2,3,4]``, ``thank_you_mail=true``), text otherwise.
"""

import json
from typing import Annotated, Any

import typer

from dunflow.cli.common import (
    DbOption,
    assignments,
    cli_actor,
    console,
    database_url,
    fail,
    fail_invalid,
)

app = typer.Typer(help="A creditor's settings: show, set, create, history.", no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help="The creditor's name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Pairs = Annotated[
    list[str] | None, typer.Argument(help="FIELD=VALUE pairs (see `dunflow creditor show`).")
]


def _print(settings: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(settings, indent=2, default=str))
        return
    console.print(f"[bold]{title}[/]", highlight=False)
    for key, value in settings.items():
        console.print(f"  {key} = {json.dumps(value, default=str)}", highlight=False)


def _snapshot(row: Any) -> dict[str, Any]:
    from policy.creditor_config import CreditorConfig

    head = {"id": row.id, "name": row.name, "country": row.country, "timezone": row.timezone}
    return {**head, **CreditorConfig.of(row).model_dump(mode="json")}


@app.command()
def show(name: NameArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Print every setting of one creditor."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, find_creditor

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            settings = _snapshot(find_creditor(session, name))
    except UnknownCreditorError as err:
        fail(f"NAME: {err}")
    finally:
        engine.dispose()
    _print(settings, as_json, f"creditor {name}")


@app.command("set")
def set_(name: NameArg, pairs: Pairs = None, db: DbOption = None) -> None:
    """Change settings: all are validated together, then written and audited, or none is."""
    from pydantic import ValidationError

    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.operate import creditors

    values = assignments(pairs or [])
    if not values:
        fail("give at least one FIELD=VALUE")
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            row = find_creditor(session, name)
            changes = creditors.patch(session, row, values, actor=cli_actor())
    except UnknownCreditorError as err:
        fail(f"NAME: {err}")
    except ValidationError as err:
        fail_invalid(err)
    finally:
        engine.dispose()
    for key, (old, new) in changes.items():
        console.print(f"{key}: {json.dumps(old)} → {json.dumps(new)}", highlight=False)
    if not changes:
        console.print("nothing changed")


@app.command()
def create(
    name: NameArg,
    pairs: Pairs = None,
    country: Annotated[str, typer.Option("--country", help="NL or BE.")] = "NL",
    db: DbOption = None,
) -> None:
    """Create a creditor with the default settings and any FIELD=VALUE given."""
    from pydantic import ValidationError

    from ledger.db import make_engine, session_scope
    from ledger.enums import Country
    from serving.operate import creditors

    if country not in {c.value for c in Country}:
        fail(f"--country: {country!r} is not one of NL, BE")
    values = assignments(pairs or [])
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            row = creditors.create(
                session, name=name, country=Country(country), actor=cli_actor(), settings=values
            )
            session.flush()
            settings = _snapshot(row)
    except (creditors.CreditorExistsError, ValueError) as err:
        if isinstance(err, ValidationError):
            fail_invalid(err)
        fail(f"NAME: {err}")
    finally:
        engine.dispose()
    _print(settings, False, f"created creditor {name} (id {settings['id']})")


@app.command()
def history(name: NameArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """The audited changes of settings and segments, newest first: who, when, old → new."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.operate import creditors

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            changes = creditors.history(session, find_creditor(session, name).id or 0)
    except UnknownCreditorError as err:
        fail(f"NAME: {err}")
    finally:
        engine.dispose()
    rows: list[dict[str, Any]] = [
        {"at": c.at.isoformat(), "actor": c.actor, "kind": c.kind, "changes": c.changes}
        for c in changes
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        for key, change in r["changes"].items():
            old, new = json.dumps(change["old"]), json.dumps(change["new"])
            console.print(f"{r['at']} {r['actor']} {r['kind']} {key}: {old} → {new}")
