"""CAMT.053: booked credits become payments, matched by reference or invoice number, partials."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.ledger.importers.conftest import DATA, SAMPLES, snapshot


def _ledger(cli: Any) -> None:
    for entity in ("debtors", "invoices"):
        assert cli(entity, SAMPLES / f"{entity}.csv").exit_code == 0


def test_statement_matches_allocates_and_keeps_unmatched(cli: Any, engine: Engine) -> None:
    _ledger(cli)
    result = cli("payments", DATA / "camt053_sample.xml", "--format", "camt053")
    assert result.exit_code == 0, result.output
    assert "1 payment(s) matched no invoice" in result.output
    with engine.connect() as conn:
        q = "SELECT open_amount_cents, status, paid_on FROM invoice WHERE number = :n"
        partial = conn.execute(sa.text(q), {"n": "2026-01002"}).one()  # by structured reference
        assert (partial[0], partial[1], partial[2]) == (30826 - 10000, "open", None)
        full = conn.execute(sa.text(q), {"n": "2026-01005"}).one()  # by number in the text
        assert (full[0], full[1], str(full[2])) == (0, "paid", "2026-11-23")
        pays = conn.execute(sa.text(
            "SELECT external_ref, debtor_id IS NULL, amount_cents FROM payment "
            "WHERE source = 'camt053' ORDER BY external_ref"
        )).all()  # fmt: skip
    assert [tuple(p) for p in pays] == [
        ("ABN-20261123-0001", False, 10000),
        ("ABN-20261123-0002", False, 12143),
        ("NTRY-0003", True, 4200),
    ]
    before = snapshot(engine)
    again = cli("payments", DATA / "camt053_sample.xml", "--format", "camt053", "--json")
    assert '"inserted": 0' in again.stdout
    assert snapshot(engine) == before


def test_bad_statement_is_refused(cli: Any, engine: Engine, write: Any) -> None:
    _ledger(cli)
    before = snapshot(engine)
    text = (DATA / "camt053_sample.xml").read_text().replace(">121.43<", ">12,143<")
    result = cli("payments", write("bad.xml", text), "--format", "camt053")
    assert result.exit_code != 0
    assert "row 2, column Amt" in result.output
    broken = cli("payments", write("broken.xml", text[:500]), "--format", "camt053")
    assert broken.exit_code != 0
    assert "row 1, column Ntry: not well-formed XML" in broken.output
    assert snapshot(engine) == before


def test_camt_only_imports_payments(cli: Any) -> None:
    result = cli("invoices", DATA / "camt053_sample.xml", "--format", "camt053")
    assert result.exit_code != 0
    assert "cannot import invoices" in result.output
