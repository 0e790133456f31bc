"""``dunflow apikey``: make and revoke API keys (a key is printed once, as the last word)."""

import typer

from dunflow.cli.common import DbOption, console, database_url, fail

app = typer.Typer(help="Create and revoke API keys.", no_args_is_help=True)


@app.command()
def create(
    creditor: str | None = typer.Option(None, "--creditor", help="The creditor the key sees."),
    admin: bool = typer.Option(False, "--admin", help="An admin key (admin routes, no creditor)."),
    label: str | None = typer.Option(None, "--label", help="A note for people."),
    db: DbOption = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.api.security import create_api_key

    if creditor is None and not admin:
        fail("--creditor: give the creditor the key belongs to (or --admin)")
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            creditor_id = find_creditor(session, creditor).id if creditor else None
            key = create_api_key(session, creditor_id=creditor_id, is_admin=admin, label=label)
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    finally:
        engine.dispose()
    scope = "admin" if admin and not creditor else f"creditor {creditor!r}"
    console.print(f"API key for {scope} (shown once, store it now): {key}", highlight=False)
