"""Generic CSV importer: samples import, re-imports are no-ops, bad files write nothing."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger.importers import ImportValidationError, import_file
from ledger.importers.parsing import to_cents
from tests.ledger.importers.conftest import SAMPLES, snapshot

DEBTORS = "external_id,kind,name,email,country\nD1,b2b,Acme BV,ap@acme.example,NL\n"
INVOICES = "number,debtor_external_id,issue_date,due_date,amount\n"


def _load_samples(cli: Any) -> None:
    for entity in ("debtors", "invoices", "payments"):
        result = cli(entity, SAMPLES / f"{entity}.csv")
        assert result.exit_code == 0, result.output


def test_sample_ledger_imports_and_reimport_is_a_noop(cli: Any, engine: Engine) -> None:
    _load_samples(cli)
    first = snapshot(engine)
    assert first["debtor"] == 25
    assert first["invoice"] == 80
    assert first["payment"] == 40
    assert first["paymentallocation"] == 40
    assert first["dossierevent"] == 120
    result = cli("invoices", SAMPLES / "invoices.csv", "--json")
    summary = json.loads(result.stdout)
    assert (summary["inserted"], summary["unchanged"]) == (0, 80)
    assert cli("payments", SAMPLES / "payments.csv").exit_code == 0
    assert snapshot(engine) == first


def test_creditor_created_is_reported(cli: Any) -> None:
    result = cli("debtors", SAMPLES / "debtors.csv")
    assert "created creditor Acme" in result.output
    assert "created creditor" not in cli("debtors", SAMPLES / "debtors.csv").output


def test_amounts_are_exact_cents(cli: Any, engine: Engine, write: Any) -> None:
    cli("debtors", write("d.csv", DEBTORS))
    rows = "".join(
        f"I{n},D1,2026-01-01,2026-01-31,{amount}\n"
        for n, amount in enumerate(["267.00", "0.1", "19.99", "1234567.89", "3"])
    )
    assert cli("invoices", write("i.csv", INVOICES + rows)).exit_code == 0
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT amount_cents FROM invoice ORDER BY number")).scalars()
        assert list(got) == [26700, 10, 1999, 123456789, 300]
    assert to_cents("0.125".rstrip("5")) == 12
    with pytest.raises(ValueError, match="more than 2 decimals"):
        to_cents("1.005")


BAD_INVOICES = [
    ("I1,D1,2026-13-01,2026-01-31,10.00\n", "issue_date", "not a valid date"),
    ("I1,D1,01-02-2026,2026-01-31,10.00\n", "issue_date", "not a valid date"),
    ("I1,D1,2026-01-01,2026-01-31,-10.00\n", "amount", "negative amount"),
    ("I1,D1,2026-01-01,2026-01-31,ten\n", "amount", "not a number"),
    ("I1,D1,2026-01-01,2026-01-31,10,00\n", None, None),  # extra field: unreadable / not a number
    ("I1,D1,2026-01-01,2026-01-31,10.001\n", "amount", "more than 2 decimals"),
    ("I1,D9,2026-01-01,2026-01-31,10.00\n", "debtor_external_id", "unknown debtor"),
    ("I1,D1,2026-01-01,2026-01-31,10.00\nI1,D1,2026-01-01,2026-01-31,11.00\n", "number",
     "different content"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "column", "message"), BAD_INVOICES)
def test_bad_invoice_files_are_refused_whole(
    cli: Any, engine: Engine, write: Any, rows: str, column: str | None, message: str | None
) -> None:
    assert cli("debtors", write("d.csv", DEBTORS)).exit_code == 0
    good = "I0,D1,2026-01-01,2026-01-31,5.00\n"
    before = snapshot(engine)
    result = cli("invoices", write("i.csv", INVOICES + good + rows))
    assert result.exit_code != 0
    assert "nothing was imported" in result.output
    if column:
        assert f"column {column}" in result.output
        assert message in result.output
        assert "row 2" in result.output
    assert snapshot(engine) == before


def test_conflict_with_ledger_names_row_and_column(cli: Any, engine: Engine, write: Any) -> None:
    cli("debtors", write("d.csv", DEBTORS))
    assert (
        cli("invoices", write("a.csv", INVOICES + "I1,D1,2026-01-01,2026-01-31,10.00\n")).exit_code
        == 0
    )
    before = snapshot(engine)
    result = cli("invoices", write("b.csv", INVOICES + "I2,D1,2026-01-01,2026-01-31,1.00\n"
                                   "I1,D1,2026-01-01,2026-01-31,12.00\n"))  # fmt: skip
    assert result.exit_code != 0
    assert "row 2, column number" in result.output
    assert "already in the ledger" in result.output
    assert snapshot(engine) == before


def test_missing_column_and_bad_encoding(
    cli: Any, engine: Engine, write: Any, tmp_path: Path
) -> None:
    cli("debtors", write("d.csv", DEBTORS))
    before = snapshot(engine)
    result = cli("invoices", write("m.csv", "number,debtor_external_id,issue_date,amount\n"))
    assert result.exit_code != 0
    assert "column due_date: missing column" in result.output
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((INVOICES + "I1,D1,2026-01-01,2026-01-31,10.00\nI2,D1,2026-01-01,2026-01-31,"
                       "1.00\nI3,Café,2026-01-01,2026-01-31,1.00\n").encode("latin-1"))  # fmt: skip
    result = cli("invoices", latin)
    assert result.exit_code != 0
    assert "row 3, column debtor_external_id: not UTF-8: byte 0xe9" in result.output
    assert snapshot(engine) == before


def test_payments_allocate_partially_then_fully(engine: Engine, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "debtors.csv", tmp_path / "d.csv")
    (tmp_path / "i.csv").write_text(INVOICES + "X1,D1001,2026-01-01,2026-01-31,100.00\n")
    (tmp_path / "p1.csv").write_text(
        "external_ref,paid_on,amount,invoice_number\nP1,2026-02-01,40.00,X1\n"
    )
    (tmp_path / "p2.csv").write_text(
        "external_ref,paid_on,amount,invoice_number\nP2,2026-02-09,60.00,X1\n"
    )
    for name, entity in (("d", "debtors"), ("i", "invoices"), ("p1", "payments")):
        import_file(
            engine,
            tmp_path / f"{name}.csv",
            entity=entity,
            fmt="csv",
            creditor="C",
            create_creditor=True,
        )  # type: ignore[arg-type]
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT open_amount_cents, status FROM invoice")).one()
        assert tuple(row) == (6000, "open")
    summary = import_file(
        engine,
        tmp_path / "p2.csv",
        entity="payments",
        fmt="csv",
        creditor="C",
        create_creditor=True,
    )
    assert summary.counts["invoices"].updated == 1
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT open_amount_cents, status, paid_on FROM invoice")).one()
        assert (row[0], row[1], str(row[2])) == (0, "paid", "2026-02-09")
    (tmp_path / "p3.csv").write_text(
        "external_ref,paid_on,amount,invoice_number\nP3,2026-02-09,1.00,NOPE\n"
    )
    with pytest.raises(ImportValidationError) as err:
        import_file(
            engine,
            tmp_path / "p3.csv",
            entity="payments",
            fmt="csv",
            creditor="C",
            create_creditor=True,
        )
    assert err.value.errors[0].column == "invoice_number"
    assert err.value.errors[0].row == 1


def test_format_and_reference_errors_come_in_one_pass_in_row_order(
    cli: Any, engine: Engine, write: Any
) -> None:
    cli("debtors", write("d.csv", DEBTORS))
    before = snapshot(engine)
    rows = ("I1,D9,2026-01-01,2026-01-31,10.00\n"  # unknown debtor (a reference)
            "I2,D1,2026-01-01,2026-01-31,ten\n"  # a format error
            "I3,D1,2026-01-01,2026-01-31,3.00\n"
            "I3,D1,2026-01-01,2026-01-31,4.00\n"  # a duplicate key within the file
            "I5,D8,2026-02-30,2026-01-31,5.00\n")  # fmt: skip
    result = cli("invoices", write("i.csv", INVOICES + rows), "--json")
    assert result.exit_code != 0
    errors = json.loads(result.stdout)["errors"]
    where = [(e["row"], e["column"]) for e in errors]
    assert where == [(1, "debtor_external_id"), (2, "amount"), (4, "number"),
                     (5, "issue_date"), (5, "debtor_external_id")]  # fmt: skip
    assert all(e["file"].endswith("i.csv") for e in errors)
    assert snapshot(engine) == before


def test_header_problems_and_rows_are_reported_together(cli: Any, write: Any) -> None:
    cli("debtors", write("d.csv", DEBTORS))
    text = "number,debtor_external_id,issue_date,amount,colour\nI1,D1,2026-01-01,x,red\n"
    errors = json.loads(cli("invoices", write("i.csv", text), "--json").stdout)["errors"]
    assert [(e["row"], e["column"], e["message"]) for e in errors] == [
        (0, "due_date", "missing column"),
        (0, "colour", "unknown column (check the spelling against the documented headers)"),
        (1, "amount", "not a number 'x' (write euros with a dot decimal, e.g. 267.00)"),
    ]


def test_unknown_creditor_is_refused_unless_created(cli: Any, engine: Engine, write: Any) -> None:
    assert cli("debtors", write("d.csv", DEBTORS), creditor="Acme BV").exit_code == 0
    before = snapshot(engine)
    result = cli("debtors", write("d.csv", DEBTORS), creditor="Acme BW", create=False)
    assert result.exit_code != 0
    assert "creditor 'Acme BW' not found; did you mean 'Acme BV'?" in result.output
    assert "--create-creditor" in result.output
    assert snapshot(engine) == before
    result = cli("debtors", write("d.csv", DEBTORS), creditor="Acme BW", create=True)
    assert result.exit_code == 0
    assert "created creditor Acme BW" in result.output
