"""Rows in memory and rows read back from the database become the same features.

The simulator's replay feeds the learned policy from in-memory ledger rows; serving and training
read the database. Both go through ``frames_from_tables``, and this test holds them to the same
feature values (on SQLite and PostgreSQL)."""

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session

from features import build_features, load_frames
from features.loading import frames_from_tables
from simulator import ledger_rows
from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.to_ledger import next_ids, write_history


def test_in_memory_rows_give_the_database_features(engine: Engine) -> None:
    history = simulate_history(4, SimConfig(n_debtors=120, days=120))
    with Session(engine) as session:
        ids = next_ids(session)
    write_history(engine, history)
    rows = ledger_rows.build(history, ids)
    memory = frames_from_tables({name: pd.DataFrame(r) for name, r in rows.items()})
    stored = load_frames(engine)
    debtors = stored.debtors["debtor_id"].to_numpy()
    requests = pd.DataFrame(
        {
            "debtor_id": list(debtors) * 2,
            "as_of": [pd.Timestamp("2026-09-01", tz="UTC")] * len(debtors)
            + [pd.Timestamp("2026-11-20", tz="UTC")] * len(debtors),
        }
    )
    a, b = build_features(memory, requests), build_features(stored, requests)
    pd.testing.assert_frame_equal(a, b, check_dtype=True)
    assert a["hist_n_contacts"].sum() > 0  # the comparison covers real history
