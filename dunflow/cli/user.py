"""``dunflow user create|reset-password``: the people who log in to the web app (``/app``).

The password is asked for twice without echo (or read from ``DUNFLOW_USER_PASSWORD``, for
scripts); only its argon2 hash is stored. A reset ends the user's open sessions. This module must
never print a password.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from dunflow.cli.common import DbOption, console, database_url, fail

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

app = typer.Typer(help="Web-app users: create, reset a password.", no_args_is_help=True)
EmailArg = Annotated[str, typer.Argument(help="The user's e-mail address (their log-in).")]
PasswordOption = Annotated[
    str,
    typer.Option(
        "--password",
        envvar="DUNFLOW_USER_PASSWORD",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="At least 10 characters (asked for when not given).",
    ),
]


@app.command()
def create(
    email: EmailArg,
    creditor: Annotated[str, typer.Option("--creditor", help="The creditor the user works for.")],
    role: Annotated[str, typer.Option("--role", help="finance, call_agent or admin.")],
    password: PasswordOption,
    name: Annotated[str, typer.Option("--name", help="Shown in the app and the audit.")] = "",
    language: Annotated[str, typer.Option("--language", help="nl or en.")] = "nl",
    db: DbOption = None,
) -> None:
    """Create a user of one creditor with a role."""
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.webapp.users import create_user

    def action(session: "Session") -> str:
        try:
            cid = find_creditor(session, creditor).id
        except UnknownCreditorError as err:
            fail(f"--creditor: {err}")
        assert cid is not None
        user = create_user(
            session,
            creditor_id=cid,
            email=email,
            name=name,
            role=role,
            password=password,
            language=language,
        )
        return user.email

    made = _change(action, db)
    console.print(f"user {made} ({role}) of {creditor!r} created", highlight=False)


@app.command("reset-password")
def reset_password(email: EmailArg, password: PasswordOption, db: DbOption = None) -> None:
    """Give a user a new password; their open sessions end."""
    from serving.webapp.users import reset_password as reset

    made = _change(lambda session: reset(session, email, password).email, db)
    console.print(f"password of {made} reset", highlight=False)


def _change(action: "Callable[[Session], T]", db: str | None) -> T:
    from ledger.db import make_engine, session_scope
    from serving.webapp.users import UserError

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            return action(session)
    except UserError as err:
        option = "EMAIL" if err.field == "email" else f"--{err.field}"
        fail(f"{option}: {err.problem}")
    finally:
        engine.dispose()
