"""``dunflow apikey``: create, list, revoke and rotate API keys.

A key is printed once, as the last word, when it is made (create, rotate); only its SHA-256 is
stored, so it can never be shown again. Revoke and rotate name a key by its prefix (``list``
shows them) or by the whole key. This module must never print or log a stored hash.
"""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from dunflow.cli.common import DbOption, console, database_url, fail

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

app = typer.Typer(help="Create, list, revoke and rotate API keys.", no_args_is_help=True)

KeyArg = typer.Argument(help="The key's prefix (see `dunflow apikey list`) or the whole key.")


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


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."), db: DbOption = None
) -> None:
    """Every key: prefix, creditor, admin, label, created and revoked (never a secret)."""
    from sqlmodel import Session, select

    from ledger.db import make_engine
    from ledger.tables import Creditor
    from serving.api.security import list_keys

    engine = make_engine(database_url(db))
    try:
        with Session(engine) as session:
            names = {c.id: c.name for c in session.exec(select(Creditor)).all()}
            rows: list[dict[str, Any]] = [
                {"prefix": k.prefix, "creditor": names.get(k.creditor_id), "admin": k.is_admin,
                 "label": k.label, "created_at": k.created_at.isoformat(),
                 "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
                for k in list_keys(session)
            ]  # fmt: skip
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        state = f"revoked {row['revoked_at'][:16]}" if row["revoked_at"] else "live"
        who = "admin" if row["admin"] else repr(row["creditor"])
        console.print(f"{row['prefix']}  {who}  {state}  {row['label'] or ''}", highlight=False)


@app.command()
def revoke(key: str = KeyArg, db: DbOption = None) -> None:
    """Revoke a key: every request with it gets 401 from the next one on."""
    from serving.api.security import prefix_of, revoke_key

    _change(lambda session: revoke_key(session, key), db)
    console.print(f"API key {prefix_of(key)} revoked", highlight=False)


@app.command()
def rotate(key: str = KeyArg, db: DbOption = None) -> None:
    """Replace a key: a new one for the same creditor and rights, the old one revoked at once."""
    from serving.api.security import prefix_of
    from serving.api.security import rotate as rotate_key

    new = _change(lambda session: rotate_key(session, key), db)
    console.print(f"API key {prefix_of(key)} revoked; its replacement (shown once, store it "
                  f"now): {new}", highlight=False)  # fmt: skip


def _change(action: "Callable[[Session], T]", db: str | None) -> T:
    from ledger.db import make_engine, session_scope
    from serving.api.security import UnknownKeyError

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            return action(session)
    except UnknownKeyError as err:
        fail(f"KEY: {err}")
    finally:
        engine.dispose()
