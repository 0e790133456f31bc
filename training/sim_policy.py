"""The learned policy inside the simulator: replay's adapter for a ``DunningPolicy``.

Each day the adapter rebuilds the replay world's ledger as it stands (the simulator's own
ledger-row builder, the code that writes the database) and turns it into features with
``features.frames_from_tables`` and ``build_features`` — the same path as training and the API —
as of the start of the day. Candidates are the simulator's allowed actions plus waiting; the
policy scores them in one batch and draws with its exploration. It never reads the latent
archetypes; the action mix it records per archetype is for evaluation only.

Register it under a name with :func:`register`; ``dunflow simulate replay --policy NAME`` then runs
it beside the ladder, random and oracle policies on the same world.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features import build_features
from features.loading import frames_from_tables
from policy.decide import decide
from policy.pyfunc import DunningPolicy
from simulator import ledger_rows
from simulator.actions import ACTIONS, WAIT
from simulator.events import DayEvents
from simulator.history import collect_history
from simulator.registry import register_policy
from simulator.to_ledger import TABLE_ORDER
from simulator.views import DecisionBatch, Decisions
from simulator.world import World

IDS = dict.fromkeys(TABLE_ORDER, 1)
CHANNEL = np.array([a.channel.value for a in ACTIONS])
TONE = np.array([a.tone.value for a in ACTIONS])
HOUR = np.array([a.hour for a in ACTIONS])


@dataclass
class LearnedSimPolicy:
    world: World
    policy: DunningPolicy
    name: str = "learned"
    days: list[DayEvents] = field(default_factory=list)
    chosen: list[tuple[int, int, int]] = field(default_factory=list)  # day, debtor, action

    def record(self, day: int, events: DayEvents) -> None:
        self.days.append(events)

    def _base(self, batch: DecisionBatch) -> pd.DataFrame:
        history = collect_history(self.world, self.name, self.days)
        rows = ledger_rows.build(history, IDS)
        frames = frames_from_tables({name: pd.DataFrame(r) for name, r in rows.items()})
        as_of = pd.Timestamp(self.world.cal.date_of(batch.day)).tz_localize("UTC")
        debtor_ids = IDS["debtor"] + batch.debtor
        base = build_features(frames, pd.DataFrame({"debtor_id": debtor_ids, "as_of": as_of}))
        base.index = pd.Index(debtor_ids)
        return base

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        n = len(batch)
        if n == 0 or not self.days or self.policy.models is None:
            return Decisions.wait(n)
        rows_i, acts = np.nonzero(batch.allowed)
        row = np.r_[np.arange(n), rows_i]
        act = np.r_[np.full(n, WAIT), acts]
        order = np.lexsort((act, row))  # per debtor: wait first, then actions
        row, act = row[order], act[order]
        is_wait = act == WAIT
        safe = np.where(is_wait, 0, act)
        cal = self.world.cal
        hour_time = {h: pd.Timestamp(cal.local_time(batch.day, int(h))).tz_convert("UTC")
                     for h in np.unique(HOUR)}  # fmt: skip
        day_start = pd.Timestamp(cal.date_of(batch.day)).tz_localize("UTC")
        send_at = [
            day_start if w else hour_time[HOUR[a]] for w, a in zip(is_wait, safe, strict=True)
        ]
        candidates = pd.DataFrame(
            {
                "debtor_id": IDS["debtor"] + batch.debtor[row],
                "channel": np.where(is_wait, "none", CHANNEL[safe]),
                "tone": np.where(is_wait, "none", TONE[safe]),
                "send_at": send_at,
                "cost_cents": np.where(is_wait, 0, self.world.cost_cents[safe]),
                "open_cents": batch.overdue_cents[row],
            }
        )
        decisions = decide(
            self.policy.models,
            self._base(batch),
            candidates,
            now=day_start.to_pydatetime(),
            weights=self.policy.weights,
            exploration=self.policy.exploration,
            rng=rng,
            explain_choice=False,
        )
        out = Decisions.wait(n)
        for k, d in enumerate(decisions):
            out.action[k] = act[d.chosen]
            out.propensity[k] = d.propensity
            if act[d.chosen] != WAIT:
                self.chosen.append((batch.day, int(batch.debtor[k]), int(act[d.chosen])))
        return out


def register(name: str, load: Callable[[], DunningPolicy]) -> None:
    """Make ``name`` a replay policy; ``load`` is called once per replayed world."""
    register_policy(name, lambda world: LearnedSimPolicy(world, load(), name=name))
