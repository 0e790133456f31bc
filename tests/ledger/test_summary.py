"""``dunflow ledger summary``: counts, aging buckets at their edges, DSO, tenancy, CLI errors."""

import json
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from dunflow.cli import app
from ledger.summary import summarize
from tests import factories

AS_OF = date(2026, 11, 24)


def _ledger(session: Session) -> None:
    cred = factories.creditor(session, name="Acme")
    other = factories.creditor(session, name="Other")
    deb = factories.debtor(session, cred)
    # due in the future; due today (not overdue); exactly 1, 30, 31, 90 and 91 days overdue
    for days_overdue, amount in [
        (-5, 100),
        (0, 200),
        (1, 300),
        (30, 400),
        (31, 500),
        (90, 600),
        (91, 700),
    ]:
        due = AS_OF - timedelta(days=days_overdue)
        factories.invoice(
            session, deb, due_date=due, issue_date=due - timedelta(days=30), amount_cents=amount
        )
    factories.invoice(session, deb, status="paid", open_amount_cents=0, amount_cents=9_999)
    factories.invoice(session, factories.debtor(session, other), amount_cents=123_456)
    session.commit()


def test_aging_buckets_and_dso(session: Session) -> None:
    _ledger(session)
    s = summarize(session, creditor_name="Acme", as_of=AS_OF)
    assert s.debtors == 1
    assert s.invoices == 8
    assert s.open_invoices == 7
    assert {k: v["open_amount_cents"] for k, v in s.aging.items()} == {
        "not_due": 300,
        "1-30": 700,
        "31-60": 500,
        "61-90": 600,
        "90+": 700,
    }
    assert s.open_amount_cents == 2_800
    # issued in the 90 days up to AS_OF: those due -5, 0, 1, 30, 31 days (issued 30 days earlier)
    sales = 100 + 200 + 300 + 400 + 500
    assert s.dso_days == round(2_800 / sales * 90, 1)


def test_cli_summary_json_and_unknown_creditor(engine: Engine, db_url: str) -> None:
    with Session(engine) as session:
        _ledger(session)
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "ledger",
            "summary",
            "--creditor",
            "Acme",
            "--as-of",
            "2026-11-24",
            "--json",
            "--db",
            db_url,
        ],
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    for key in ("debtors", "invoices", "payments", "open_amount_cents", "aging", "dso_days"):
        assert key in data
    assert data["open_amount_cents"] == 2_800
    bad = runner.invoke(app, ["ledger", "summary", "--creditor", "Nobody", "--db", db_url])
    assert bad.exit_code == 1
    assert "--creditor" in bad.stderr
    bad_date = runner.invoke(
        app, ["ledger", "summary", "--creditor", "Acme", "--as-of", "24-11-2026", "--db", db_url]
    )
    assert bad_date.exit_code == 1
    assert "--as-of" in bad_date.stderr
