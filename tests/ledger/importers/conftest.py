"""Helpers for the importer tests: run the CLI on a test ledger, count its rows, write files."""

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunflow.cli import app

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
DATA = Path(__file__).resolve().parent / "data"
TABLES = ("creditor", "debtor", "invoice", "payment", "paymentallocation", "dossierevent",
          "outcome", "segment")  # fmt: skip


def snapshot(engine: Engine) -> dict[str, object]:
    """Row counts and the money state of every table the importers write (import runs aside)."""
    with engine.connect() as conn:
        counts: dict[str, object] = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES
        }
        counts["open"] = conn.execute(
            sa.text("SELECT COALESCE(SUM(open_amount_cents), 0) FROM invoice")
        ).scalar_one()
        counts["paid"] = conn.execute(
            sa.text("SELECT COUNT(*) FROM invoice WHERE status = 'paid'")
        ).scalar_one()
    return counts


@pytest.fixture
def cli(db_url: str, engine: Engine) -> Callable[..., object]:
    """``cli("invoices", path, "--format", "sap")`` → CliRunner result (creditor Acme).

    ``create`` passes ``--create-creditor`` (the creditor is made by the first import).
    """
    runner = CliRunner()

    def run(entity: str, path: Path, *extra: str, creditor: str = "Acme",
            create: bool = True) -> object:  # fmt: skip
        flag = ["--create-creditor"] if create else []
        args = ["import", entity, str(path), "--creditor", creditor, "--db", db_url, *flag, *extra]
        return runner.invoke(app, args)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
