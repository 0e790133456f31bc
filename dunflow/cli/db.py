"""``dunflow db``: create and migrate the ledger schema."""

import typer

from dunflow.cli.common import DbOption, console, database_url

app = typer.Typer(help="Create and migrate the ledger database.", no_args_is_help=True)


@app.command()
def upgrade(db: DbOption = None, revision: str = typer.Option("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from ledger import migrate

    url = database_url(db)
    migrate.upgrade(url, revision)
    console.print(f"ledger at revision [bold]{migrate.current(url)}[/]")


@app.command()
def downgrade(db: DbOption = None, revision: str = typer.Option("-1")) -> None:
    """Undo migrations down to REVISION (default: one step)."""
    from ledger import migrate

    url = database_url(db)
    migrate.downgrade(url, revision)
    console.print(f"ledger at revision [bold]{migrate.current(url)}[/]")


@app.command()
def current(db: DbOption = None) -> None:
    """Print the schema revision of the ledger."""
    from ledger import migrate

    console.print(migrate.current(database_url(db)) or "empty (run `dunflow db upgrade`)")
