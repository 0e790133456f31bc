"""``simulate`` end to end: logged history -> ledger (+ ground-truth file). The CLI calls this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.tables import Debtor
from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.to_ledger import write_history
from simulator.truth import truth_frame, write_truth


@dataclass(frozen=True)
class SimulateResult:
    rows: dict[str, int]
    truth_path: Path
    model_version: str


def simulate_to_ledger(
    engine: Engine,
    seed: int,
    config: SimConfig,
    truth_path: Path,
    *,
    on_day: Callable[[int], None] | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> SimulateResult:
    """Simulate ``config.days`` days under the logging policy and write everything to the ledger."""
    history = simulate_history(seed, config, progress=on_day)
    rows = write_history(engine, history, on_table)
    names = [c.name for c in config.creditors]
    with Session(engine) as s:
        from ledger.tables import Creditor

        cred = select(Creditor.id).where(col(Creditor.name).in_(names))
        found = s.exec(
            select(Debtor.id, Debtor.external_id)
            .where(col(Debtor.creditor_id).in_(cred))
            .order_by(col(Debtor.id))
        ).all()
    ids = [int(d[0]) for d in found if d[0] is not None]
    ext = [d[1] for d in found]
    path = write_truth(truth_path, truth_frame(history.world, ids, ext))
    return SimulateResult(rows=rows, truth_path=path, model_version=history.model_version)
