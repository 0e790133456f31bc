"""Writing a simulated world into the ledger (SQLite and PostgreSQL), and determinism."""

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import ledger.tables  # noqa: F401
from ledger.db import make_engine
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger
from simulator.to_ledger import TABLE_ORDER

TINY = SimConfig(n_debtors=150, days=75)


def _export(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            rows = conn.execute(sa.select(SQLModel.metadata.tables[name])).all()
            out[name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def _fresh(path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(eng)
    return eng


def test_writes_a_consistent_ledger(engine: Engine, tmp_path: Path) -> None:
    res = simulate_to_ledger(engine, 8, TINY, tmp_path / "truth.parquet")
    assert res.rows["debtor"] == 150
    assert res.rows["contact"] > 50
    with engine.connect() as conn:
        q = conn.execute
        assert q(sa.text("SELECT COUNT(*) FROM contact WHERE propensity IS NULL")).scalar() == 0
        assert q(sa.text("SELECT MIN(propensity), MAX(propensity) FROM contact")).one()[1] <= 1
        bad = q(
            sa.text(
                "SELECT COUNT(*) FROM invoice i WHERE i.status <> 'written_off' AND "
                "i.amount_cents - i.open_amount_cents <> COALESCE((SELECT SUM(a.amount_cents) "
                "FROM paymentallocation a WHERE a.invoice_id = i.id), 0)"
            )
        ).scalar()
        assert bad == 0
        kinds = {r[0] for r in q(sa.text("SELECT DISTINCT kind FROM outcome"))}
        assert {"paid", "unreachable"} <= kinds
        assert q(sa.text("SELECT COUNT(*) FROM dossierevent")).scalar() > 300
        excluded = q(sa.text("SELECT COUNT(*) FROM segment WHERE excluded")).scalar()
        assert excluded == 1
    truth = pd.read_parquet(res.truth_path)
    assert len(truth) == 150
    assert truth["archetype"].nunique() >= 5
    # the archetype never reaches the ledger
    dump = str(_export(engine))
    for word in ("chronic_late", "ap_department", "wont_pay", "cash_strapped"):
        assert word not in dump


def test_same_seed_same_ledger_and_other_seeds_differ(tmp_path: Path) -> None:
    exports = []
    for i, seed in enumerate((21, 21, 22)):
        eng = _fresh(tmp_path / f"l{i}.db")
        simulate_to_ledger(eng, seed, TINY, tmp_path / f"t{i}.parquet")
        exports.append(_export(eng))
        eng.dispose()
    assert exports[0] == exports[1]
    assert exports[0]["invoice"] != exports[2]["invoice"]
    assert exports[0]["contact"] != exports[2]["contact"]
    t0, t1 = (pd.read_parquet(tmp_path / f"t{i}.parquet") for i in (0, 1))
    pd.testing.assert_frame_equal(t0, t1)


def test_refuses_to_write_the_same_creditors_twice(engine: Engine, tmp_path: Path) -> None:
    simulate_to_ledger(engine, 1, SimConfig(n_debtors=30, days=20), tmp_path / "a.parquet")
    with pytest.raises(ValueError, match="already holds"):
        simulate_to_ledger(engine, 2, SimConfig(n_debtors=30, days=20), tmp_path / "b.parquet")


def test_segment_ladders_are_in_the_rules_format(tmp_path: Path) -> None:
    """The ledger's segment ladders written by the simulator are read by policy's ladder."""
    from policy.ladder import parse_level
    from simulator.history import simulate_history
    from simulator.ledger_rows import build

    history = simulate_history(2, SimConfig(n_debtors=60, days=30))
    rows = build(history, dict.fromkeys(["creditor", "segment", "debtor", "invoice", "payment",
                                         "contact", "outcome", "dossierevent"], 1))  # fmt: skip
    ladders = [s["ladder"] for s in rows["segment"] if s["ladder"]]
    assert ladders
    for ladder in ladders:
        levels = [parse_level(raw) for raw in ladder]
        assert [lv.days_after_due for lv in levels] == sorted(lv.days_after_due for lv in levels)
