"""The ground-truth file: each debtor's latent archetype and traits, for evaluation only.

The archetype is what the response model keys on; a feature that could read it would leak the
answer, so it never goes into the ledger. It goes into a Parquet file beside the database (or
under ``data/simulator/``) that only evaluation code (replay, notebooks, tests) may open.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url

from simulator.config import ARCHETYPES
from simulator.world import World


def default_path(db_url: str, seed: int, data_dir: Path) -> Path:
    """``<db>.truth.parquet`` beside a SQLite file, else ``data/simulator/truth-seed<S>...``."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).with_suffix(".truth.parquet")
    return data_dir / "simulator" / f"truth-seed{seed}.parquet"


def truth_frame(world: World, debtor_ids: list[int], external_ids: list[str]) -> pd.DataFrame:
    pop = world.pop
    return pd.DataFrame(
        {
            "debtor_id": debtor_ids,
            "external_id": external_ids,
            "creditor": [world.cfg.creditors[c].name for c in pop.creditor.tolist()],
            "kind": ["b2c" if b else "b2b" for b in pop.b2c.tolist()],
            "archetype": [ARCHETYPES[a] for a in pop.archetype.tolist()],
            "hazard_multiplier": pop.indiv,
            "loyal": pop.loyal,
            "intercompany": pop.excluded,
            "seed": world.seed,
        }
    )


def write_truth(path: Path, frame: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path
