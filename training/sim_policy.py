"""The learned policy inside the simulator: replay's adapter for a ``DunningPolicy``.

Each day the adapter rebuilds the replay world's ledger as it stands (the simulator's own
ledger-row builder, the code that writes the database) and turns it into features with
``features.frames_from_tables`` and ``build_features`` — the same path as training and the API —
as of the start of the day. Candidates are the simulator's allowed actions plus waiting; the
policy's one decision path (:func:`policy.decision_path.decide_for`, as in the API and the batch
engine) scores them in one batch and draws with its exploration from replay's stream. It never
reads the latent archetypes; the action mix it records per archetype is for evaluation only.

Register it under a name with :func:`register`; ``dunflow simulate replay --policy NAME`` then runs
it beside the ladder, random and oracle policies on the same world.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features import build_features
from features.loading import LedgerFrames, frames_from_tables
from ledger.enums import Stage, Tone
from policy.actions import WAIT_TEMPLATE, Action
from policy.decision_path import Pinned, Situation, decide_for
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
HOUR = np.array([a.hour for a in ACTIONS])
SIM_TEMPLATE = "simulated"  # replay sends nothing: the simulator books the contact itself


def sim_ledger_frames(world: World, name: str, days: list[DayEvents]) -> LedgerFrames:
    """The replay world's ledger as it stands after ``days``, as the feature builders read it."""
    history = collect_history(world, name, days)
    rows = ledger_rows.build(history, IDS)
    return frames_from_tables({table: pd.DataFrame(r) for table, r in rows.items()})


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
        frames = sim_ledger_frames(self.world, self.name, self.days)
        as_of = pd.Timestamp(self.world.cal.date_of(batch.day)).tz_localize("UTC")
        debtor_ids = IDS["debtor"] + batch.debtor
        base = build_features(frames, pd.DataFrame({"debtor_id": debtor_ids, "as_of": as_of}))
        base.index = pd.Index(debtor_ids)
        return base

    def _situations(self, batch: DecisionBatch) -> list[Situation]:
        """Each row's allowed simulator actions as policy actions, waiting first."""
        cal = self.world.cal
        day_start = pd.Timestamp(cal.date_of(batch.day)).tz_localize("UTC").to_pydatetime()
        hour_time = {
            int(h): pd.Timestamp(cal.local_time(batch.day, int(h)))
            .tz_convert("UTC")
            .to_pydatetime()
            for h in np.unique(HOUR)
        }
        wait = Action(None, Tone.NEUTRAL, day_start, Stage.REMINDER, WAIT_TEMPLATE)
        options = [
            Action(
                a.channel,
                a.tone,
                hour_time[a.hour],
                Stage.REMINDER,
                SIM_TEMPLATE,
                cost_cents=int(self.world.cost_cents[k]),
            )
            for k, a in enumerate(ACTIONS)
        ]
        return [
            Situation(
                int(IDS["debtor"] + batch.debtor[i]),
                [wait, *(options[k] for k in np.flatnonzero(batch.allowed[i]))],
                int(batch.overdue_cents[i]),
            )
            for i in range(len(batch))
        ]

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        n = len(batch)
        if n == 0 or not self.days or self.policy.models is None:
            return Decisions.wait(n)
        cases = self._situations(batch)
        answers = decide_for(
            cases,
            pd.Timestamp(self.world.cal.date_of(batch.day)).tz_localize("UTC").to_pydatetime(),
            Pinned(self.policy, self.name),
            base=self._base(batch),
            rng=rng,
            explain=False,
        )
        out = Decisions.wait(n)
        for k, a in enumerate(answers):
            # option 0 is waiting; option j > 0 is the row's (j-1)-th allowed action
            j = a.option or 0
            act = WAIT if j == 0 else int(np.flatnonzero(batch.allowed[k])[j - 1])
            out.action[k] = act
            out.propensity[k] = a.propensity
            if act != WAIT:
                self.chosen.append((batch.day, int(batch.debtor[k]), act))
        return out


def register(name: str, load: Callable[[], DunningPolicy]) -> None:
    """Make ``name`` a replay policy; ``load`` is called once per replayed world."""
    register_policy(name, lambda world: LearnedSimPolicy(world, load(), name=name))
