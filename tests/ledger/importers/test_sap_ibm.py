"""SAP FI-AR and IBM sample importers on the real exports (skipped when the data is absent)."""

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.ledger.importers.conftest import snapshot


@pytest.fixture
def sap_slice(real_data: Path, tmp_path: Path) -> Path:
    """The header and first 3,000 lines of the real SAP export."""
    with zipfile.ZipFile(real_data / "sap_receivables_line_items.zip") as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        with archive.open(name) as fh:
            lines = [fh.readline() for _ in range(3001)]
    path = tmp_path / "sap_slice.csv"
    path.write_bytes(b"".join(lines))
    return path


def test_sap_slice_imports_debtors_invoices_payments(
    cli: Any, engine: Engine, sap_slice: Path
) -> None:
    result = cli("invoices", sap_slice, "--format", "sap")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT COUNT(*) FROM invoice")).scalar_one()
        cn = conn.execute(
            sa.text("SELECT COUNT(*) FROM dossierevent WHERE kind='credit_note'")
        ).scalar_one()
        unpaid_sql = "SELECT COUNT(*) FROM invoice WHERE status != 'paid' OR paid_on IS NULL"
        unpaid = conn.execute(sa.text(unpaid_sql)).scalar_one()
        kinds = set(conn.execute(sa.text("SELECT DISTINCT kind FROM debtor")).scalars())
    assert n + cn == 3000
    assert unpaid == 0  # every line of the export is cleared
    assert kinds == {"b2b"}
    before = snapshot(engine)
    assert cli("invoices", sap_slice, "--format", "sap").exit_code == 0
    assert snapshot(engine) == before


def test_sap_bad_value_is_refused(cli: Any, engine: Engine, sap_slice: Path) -> None:
    lines = sap_slice.read_text().splitlines(keepends=True)
    cols = lines[0].split(",")
    fields = lines[5].split(",")
    fields[cols.index("VALUE_EUR")] = "12x"
    lines[5] = ",".join(fields)
    sap_slice.write_text("".join(lines))
    result = cli("invoices", sap_slice, "--format", "sap")
    assert result.exit_code != 0
    assert "row 5, column VALUE_EUR" in result.output
    assert snapshot(engine)["invoice"] == 0


@pytest.mark.slow
# SQLite only: the slice test above covers the PostgreSQL path; the whole file on
# PostgreSQL is bench_import_sap's.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_full_sap_export(engine: Engine, real_data: Path) -> None:
    from ledger.importers import import_file

    summary = import_file(engine, real_data / "sap_receivables_line_items.zip", entity="invoices",
                          fmt="sap", creditor="SAP", create_creditor=True)  # fmt: skip
    print(summary.as_dict())
    c = summary.counts
    assert summary.rows_read == 266_093
    assert c["debtors"].inserted == 23_067
    assert c["invoices"].inserted + c["credit_notes"].inserted == 266_093


def test_ibm_sample(cli: Any, engine: Engine, real_data: Path) -> None:
    path = real_data / "ibm_accounts_receivable.csv"
    result = cli("invoices", path, "--format", "ibm")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
        assert q("SELECT COUNT(*) FROM invoice") == 2466
        assert q("SELECT COUNT(*) FROM invoice WHERE status = 'paid'") == 2466
        assert q("SELECT COUNT(*) FROM outcome WHERE kind = 'dispute'") == 561
        assert q("SELECT COUNT(*) FROM debtor") == 100
        dump = " ".join(str(r) for r in conn.execute(sa.text("SELECT payload FROM dossierevent")))
    assert "DaysToSettle" not in dump
    assert "DaysLate" not in dump
    before = snapshot(engine)
    assert cli("invoices", path, "--format", "ibm").exit_code == 0
    assert snapshot(engine) == before


def test_ibm_bad_date_is_refused(cli: Any, engine: Engine, real_data: Path, write: Any) -> None:
    text = (real_data / "ibm_accounts_receivable.csv").read_text().splitlines()[:4]
    text[2] = text[2].replace("1/26/2013", "2013-01-26", 1)
    result = cli("invoices", write("ibm.csv", "\n".join(text) + "\n"), "--format", "ibm")
    assert result.exit_code != 0
    assert "row 2, column InvoiceDate" in result.output
    assert snapshot(engine)["invoice"] == 0


def test_zip_with_two_csvs_is_refused(cli: Any, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a.csv", "x\n")
        archive.writestr("b.csv", "y\n")
    path = tmp_path / "two.zip"
    path.write_bytes(buf.getvalue())
    result = cli("invoices", path, "--format", "sap")
    assert result.exit_code != 0
    assert "exactly one .csv" in result.output
