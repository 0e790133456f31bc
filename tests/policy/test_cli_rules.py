"""``dunflow rules``: the calculators print the DOMAIN.md figures and refuse bad input clearly."""

import json
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

import ledger.tables  # noqa: F401
from dunflow.cli import app
from ledger.db import make_engine
from tests import factories

runner = CliRunner()


def run_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["rules", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


@pytest.mark.parametrize(
    ("args", "cents", "amount"),
    [
        (["--principal", "267.00"], 4005, "40.05"),
        (["--principal", "100", "--principal", "100", "--principal", "100"], 4500, "45.00"),
        (["--principal", "300000"], 327500, "3275.00"),
        (["--principal", "267.00", "--vat-added"], 4846, "48.46"),
        (["--country", "BE", "--principal", "1000"], 9000, "90.00"),
        (["--country", "BE", "--kind", "b2b", "--principal", "1000"], 4000, "40.00"),
    ],
)
def test_costs_json(args: list[str], cents: int, amount: str) -> None:
    got = run_json("costs", *args, "--on", "2026-03-01")
    assert got["total"] == {"cents": cents, "amount": amount}


def test_costs_breakdown_per_bracket() -> None:
    got = run_json("costs", "--principal", "12000", "--on", "2026-03-01")
    brackets = got["brackets"]
    assert isinstance(brackets, list)
    assert [b["costs"]["amount"] for b in brackets] == [
        "375.00",
        "250.00",
        "250.00",
        "20.00",
        "0.00",
    ]


def test_interest_json() -> None:
    got = run_json(
        "interest",
        "--kind",
        "b2b",
        "--principal",
        "3000",
        "--from",
        "2025-07-01",
        "--to",
        "2025-09-29",
    )
    assert got["interest"] == {"cents": 7508, "amount": "75.08"}
    assert got["days"] == 90


def test_next_slot_json() -> None:
    got = run_json("next-slot", "--at", "2026-12-25T10:00:00+01:00")
    assert got["allowed"] is False
    assert got["next_allowed"] == "2026-12-28T07:00:00+01:00"
    assert got["reasons"] == ["2026-12-25 is a public holiday: Christmas Day"]


def test_tables_without_json() -> None:
    result = runner.invoke(app, ["rules", "costs", "--principal", "267"])
    assert result.exit_code == 0
    assert "40.05" in result.stdout
    result = runner.invoke(app, ["rules", "next-slot", "--at", "2026-03-08T10:00:00+01:00"])
    assert result.exit_code == 0
    assert "Sunday" in result.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["costs", "--principal", "abc"], "--principal"),
        (["costs", "--principal", "-5"], "--principal"),
        (["costs", "--principal", "1.001"], "--principal"),
        (["costs", "--principal", "10", "--country", "DE"], "--country"),
        (["costs", "--principal", "10", "--kind", "b2x"], "--kind"),
        (["costs", "--principal", "10", "--country", "BE", "--vat-added"], "--vat-added"),
        (
            ["interest", "--principal", "x", "--from", "2025-07-01", "--to", "2025-08-01"],
            "--principal",
        ),
        (["interest", "--principal", "1", "--from", "2025-13-01", "--to", "2025-08-01"], "--from"),
        (["interest", "--principal", "1", "--from", "2025-09-01", "--to", "2025-08-01"], "--to"),
        (["interest", "--principal", "1", "--from", "2020-01-01", "--to", "2020-08-01"], "--from"),
        (["next-slot", "--at", "2026-12-25T10:00:00"], "--at"),
        (["next-slot", "--at", "tomorrow"], "--at"),
        (["next-slot", "--at", "2026-12-25T10:00:00+01:00", "--channel", "fax"], "--channel"),
    ],
)
def test_bad_input_names_the_option(args: list[str], option: str) -> None:
    result = runner.invoke(app, ["rules", *args])
    assert result.exit_code != 0
    assert option in result.output
    assert "Traceback" not in result.output


def test_next_slot_with_a_creditor_from_the_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        factories.creditor(
            session,
            name="Office Hours BV",
            allowed_weekdays=[0, 1, 2, 3, 4],
            contact_start_minute=9 * 60,
            contact_end_minute=17 * 60,
        )
        session.commit()
    engine.dispose()
    args = ["next-slot", "--at", "2026-03-07T10:00:00+01:00", "--db", url]
    got = run_json(*args, "--creditor", "Office Hours BV")
    assert got["allowed"] is False
    assert got["next_allowed"] == "2026-03-09T09:00:00+01:00"
    reasons = got["reasons"]
    assert isinstance(reasons, list)
    assert any("Saturday" in r for r in reasons)
    missing = runner.invoke(app, ["rules", *args, "--creditor", "Nobody"])
    assert missing.exit_code != 0
    assert "--creditor" in missing.output
