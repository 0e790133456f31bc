"""``dunflow user create|reset-password``: a bad value names the option and writes nothing."""

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from dunflow.cli import app
from ledger.tables import User
from tests import factories

runner = CliRunner()


def test_create_and_reset(engine: Engine, db_url: str) -> None:
    with Session(engine) as session:
        factories.creditor(session, name="Acme B.V.")
        session.commit()

    def run(*args: str, password: str = "0123456789ab") -> object:
        env = {"DUNFLOW_USER_PASSWORD": password}
        return runner.invoke(app, ["user", *args, "--db", db_url], env=env)

    made = run("create", "ann@acme.example", "--creditor", "Acme B.V.", "--role", "finance")
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    assert "0123456789ab" not in made.output  # type: ignore[attr-defined]
    bad = run("create", "bob@acme.example", "--creditor", "Acme B.V.", "--role", "boss")
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert "--role" in bad.output  # type: ignore[attr-defined]
    nobody = run("create", "cy@acme.example", "--creditor", "Nope", "--role", "admin")
    assert "--creditor" in nobody.output  # type: ignore[attr-defined]
    short = run("reset-password", "ann@acme.example", password="short")
    assert "--password" in short.output  # type: ignore[attr-defined]
    with Session(engine) as session:
        before = session.exec(select(User)).one().password_hash
    assert run("reset-password", "ann@acme.example").exit_code == 0  # type: ignore[attr-defined]
    with Session(engine) as session:
        users = session.exec(select(User)).all()
    assert [u.email for u in users] == ["ann@acme.example"]
    assert users[0].password_hash != before
