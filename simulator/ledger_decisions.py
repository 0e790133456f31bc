"""The decision log as ledger rows: one ``Recommendation`` per decision point of the logging policy.

A decision point is where the logging policy chose with a propensity below one: a contact it made or
a wait it chose while it could have contacted. Production keeps the same log (the scoring API
stores every recommendation, waits included), so training and off-policy evaluation read one
table in simulation and in production. Ids are deterministic (uuid5 of seed, day and debtor).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.actions import ACTIONS, WAIT
from simulator.history import History

Row = dict[str, Any]
_NS = uuid.UUID("6f1c3a52-2b1e-4d0c-9d51-3f6b0f1a9e77")


def decision_rows(
    h: History,
    cred_of_deb: list[int],
    deb_id: NDArray[np.int64],
    at: Callable[..., datetime],
    stage_of: Callable[..., Any],
) -> list[Row]:
    if h.decision is None:
        return []
    d = h.decision
    b2c = h.world.pop.b2c
    out: list[Row] = []
    for day, debtor, action, prop, dpd, overdue in zip(
        d["day"].tolist(),
        d["debtor"].tolist(),
        d["action"].tolist(),
        d["propensity"].tolist(),
        d["dpd"].tolist(),
        d["overdue_cents"].tolist(),
        strict=True,
    ):
        waits = action == WAIT
        a = None if waits else ACTIONS[action]
        stage = None if a is None else stage_of(int(dpd), bool(b2c[debtor]), a.channel, a.tone)
        out.append(
            {
                "id": str(uuid.uuid5(_NS, f"{h.world.seed}:{day}:{debtor}")),
                "creditor_id": cred_of_deb[debtor],
                "debtor_id": int(deb_id[debtor]),
                "created_at": at(day, 7),
                "model_version": h.model_version,
                "channel": None if a is None else a.channel.value,
                "tone": None if a is None else a.tone.value,
                "stage": None if stage is None else stage.value,
                "send_at": None if a is None else at(day, a.hour),
                "expected_value_cents": 0,
                "p_pay": None,
                "propensity": float(prop),
                "degraded": False,
                "body": {
                    "source": "simulator",
                    "overdue_cents": int(overdue),
                    "cost_cents": 0 if a is None else int(h.world.cost_cents[action]),
                },
            }
        )
    return out
