"""Property: a generated invoice file with one bad row anywhere imports nothing at all."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from ledger.db import make_engine
from ledger.importers import ImportValidationError, import_file

BAD_CELLS = {
    "issue_date": ["2026-02-30", "24-11-2026", "yesterday", ""],
    "amount": ["-1.00", "1.234", "abc", "1,50", ""],
    "debtor_external_id": ["NOBODY"],
}


@st.composite
def files(draw: st.DrawFn) -> tuple[str, int, str]:
    n = draw(st.integers(min_value=1, max_value=40))
    rows = []
    for i in range(n):
        issue = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
        cents = draw(st.integers(0, 10_000_000))
        rows.append({"number": f"INV-{i}", "debtor_external_id": "D1",
                     "issue_date": issue.isoformat(),
                     "due_date": (issue + timedelta(days=30)).isoformat(),
                     "amount": f"{cents // 100}.{cents % 100:02d}"})  # fmt: skip
    bad_row = draw(st.integers(0, n - 1))
    column = draw(st.sampled_from(sorted(BAD_CELLS)))
    rows[bad_row][column] = draw(st.sampled_from(BAD_CELLS[column]))
    header = "number,debtor_external_id,issue_date,due_date,amount\n"
    body = "".join(",".join(r.values()) + "\n" for r in rows)
    return header + body, bad_row + 1, column


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=files())
def test_one_bad_row_anywhere_imports_nothing(tmp_path: Path, case: tuple[str, int, str]) -> None:
    text, bad_row, column = case
    db = tmp_path / "prop.db"
    db.unlink(missing_ok=True)
    engine: Engine = make_engine(f"sqlite:///{db}")
    SQLModel.metadata.create_all(engine)
    (tmp_path / "d.csv").write_text("external_id,kind,name\nD1,b2b,Acme\n")
    import_file(
        engine, tmp_path / "d.csv", entity="debtors", fmt="csv", creditor="C", create_creditor=True
    )
    (tmp_path / "i.csv").write_text(text)
    with pytest.raises(ImportValidationError) as err:
        import_file(
            engine,
            tmp_path / "i.csv",
            entity="invoices",
            fmt="csv",
            creditor="C",
            create_creditor=True,
        )
    # a cell like "1,50" adds a field: then the row is named, the column cannot be
    named = [e for e in err.value.errors if e.row == bad_row and e.column in (column, None)]
    assert named, err.value.errors
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM invoice")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM dossierevent")).scalar_one() == 0
    engine.dispose()
