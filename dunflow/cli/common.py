"""What the command groups share: the Rich consoles, the database option and error exits."""

from typing import Annotated, NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="DUNFLOW_DATABASE_URL",
        help="SQLAlchemy URL of the ledger (default: SQLite file under data/).",
        show_default=False,
    ),
]


def database_url(db: str | None) -> str:
    from ledger.settings import get_settings

    return db or get_settings().resolved_database_url()


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
