"""Policies the simulator can run: the protocol, and the built-in ladder, random, fixed-action and
oracle policies.

A policy answers a whole :class:`~simulator.views.DecisionBatch` at once (``decide_batch``) with an
action index or ``WAIT`` per row plus the probability it chose that (its propensity). It may only
pick allowed actions. To plug in another policy (the learned one, or the rules' ladder from
``policy/``):

1. write an adapter in ``training/`` that implements :class:`Policy` - either batched, or per debtor
   via :class:`DebtorPolicy` wrapped in :class:`PerDebtor` (slower, simpler);
2. register a factory with :func:`simulator.registry.register_policy` (name -> ``factory(world)``);
3. ``dunflow simulate replay --policy NAME`` and :func:`simulator.replay.replay` then run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np

from ledger.checkpoints import FIRST_DPD
from ledger.enums import Channel, Tone
from simulator.actions import ACTIONS, WAIT, Action, action_index
from simulator.views import DecisionBatch, Decisions


@runtime_checkable
class Policy(Protocol):
    name: str

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions: ...


@dataclass(frozen=True)
class DebtorView:
    """One row of a batch with plain Python values, for per-debtor policies."""

    debtor: int
    creditor: int
    b2c: bool
    overdue_cents: int
    n_overdue: int
    dpd: int
    days_since_contact: int
    episode_contacts: int
    last_action: Action | None
    prior_paid: int
    prior_mean_dpd: float
    allowed: tuple[Action, ...]


@dataclass(frozen=True)
class Decision:
    action: Action
    propensity: float = 1.0


class DebtorPolicy(Protocol):
    name: str

    def decide(self, view: DebtorView, now: datetime) -> Decision | None: ...


class PerDebtor:
    """Adapts a per-debtor policy to the batched protocol (``now`` = 07:00 local that day)."""

    def __init__(self, inner: DebtorPolicy) -> None:
        self.inner, self.name = inner, inner.name

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        from simulator.calendar import AMSTERDAM

        now = datetime(batch.date.year, batch.date.month, batch.date.day, 7, tzinfo=AMSTERDAM)
        out = Decisions.wait(len(batch))
        for i in range(len(batch)):
            last = int(batch.last_action[i])
            view = DebtorView(
                debtor=int(batch.debtor[i]),
                creditor=int(batch.creditor[i]),
                b2c=bool(batch.b2c[i]),
                overdue_cents=int(batch.overdue_cents[i]),
                n_overdue=int(batch.n_overdue[i]),
                dpd=int(batch.dpd[i]),
                days_since_contact=int(batch.days_since_contact[i]),
                episode_contacts=int(batch.episode_contacts[i]),
                last_action=None if last == WAIT else ACTIONS[last],
                prior_paid=int(batch.prior_paid[i]),
                prior_mean_dpd=float(batch.prior_mean_dpd[i]),
                allowed=tuple(ACTIONS[a] for a in np.flatnonzero(batch.allowed[i])),
            )
            d = self.inner.decide(view, now)
            if d is not None:
                out.action[i] = ACTIONS.index(d.action)
                out.propensity[i] = d.propensity
        return out


def _first_allowed(batch: DecisionBatch, rows: np.ndarray, options: list[int]) -> np.ndarray:
    """Per row, the first option allowed for it (or WAIT)."""
    out = np.full(rows.size, WAIT, dtype=np.int64)
    for a in reversed(options):
        out = np.where(batch.allowed[rows, a], a, out)
    return out


def _a(channel: str, tone: str, hour: int) -> int:
    return action_index(Channel(channel), Tone(tone), hour)


LADDER_STEPS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (3, ("email/friendly/9", "sms/friendly/9", "letter/friendly/9")),
    (10, ("email/neutral/9", "sms/neutral/9", "letter/neutral/9")),
    (17, ("sms/neutral/13", "letter/neutral/13", "letter/neutral/9")),
    (24, ("phone/neutral/13", "phone/neutral/9", "letter/neutral/9")),
    (30, ("letter/firm/9", "email/firm/9")),
)
"""The simulator's own fixed ladder: (days past due, actions in order of preference). A step whose
actions are all unavailable is skipped that day and tried again on the next allowed day."""


def _parse(label: str) -> int:
    ch, tone, hour = label.split("/")
    return _a(ch, tone, int(hour))


class LadderPolicy:
    """The k-th contact of an episode goes out once the oldest claim is ``LADDER_STEPS[k]`` days
    past due; after the last step the ladder waits for collection."""

    name = "ladder"

    def __init__(self, steps: tuple[tuple[int, tuple[str, ...]], ...] = LADDER_STEPS) -> None:
        self.thresholds = np.array([s[0] for s in steps] + [10**6], dtype=np.int64)
        self.options = [[_parse(x) for x in s[1]] for s in steps]

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        step = np.minimum(batch.episode_contacts, len(self.options))
        due = batch.dpd >= self.thresholds[step]
        for k, opts in enumerate(self.options):
            rows = np.flatnonzero(due & (step == k))
            out.action[rows] = _first_allowed(batch, rows, opts)
        return out


class RandomPolicy:
    """Contacts on the ladder's days, with an action drawn uniformly from the allowed ones."""

    name = "random"

    def __init__(self) -> None:
        self.ladder = LadderPolicy()

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        base = self.ladder.decide_batch(batch, rng)
        out = Decisions.wait(len(batch))
        for i in np.flatnonzero(base.action != WAIT):
            choices = np.flatnonzero(batch.allowed[i])
            out.action[i] = choices[rng.integers(choices.size)]
            out.propensity[i] = 1.0 / choices.size
        return out


class FixedActionPolicy:
    """The same channel and tone for everyone, every ``every`` days from ``first`` days past due.

    Send hour: 09:00 for businesses, 18:00 for consumers (this world's best slots, which favours the
    fixed policy), else another allowed hour; a debtor without the channel gets a letter, same tone.
    """

    def __init__(self, channel: str, tone: str, every: int = 7, first: int = FIRST_DPD) -> None:
        self.name = f"fixed:{channel}/{tone}/{every}d"
        hours = {False: (9, 13, 18), True: (18, 13, 9)}
        self.options = {
            b2c: [_a(channel, tone, h) for h in hs] + [_a("letter", tone, h) for h in hs]
            for b2c, hs in hours.items()
        }
        self.every, self.first = every, first

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        go = (batch.dpd >= self.first) & (batch.days_since_contact >= self.every)
        for b2c, opts in self.options.items():
            rows = np.flatnonzero(go & (batch.b2c == b2c))
            out.action[rows] = _first_allowed(batch, rows, opts)
        return out


class EpsilonMixPolicy:
    """The logging policy: at a decision point, ``base`` with probability 1 - epsilon, else uniform
    over the allowed actions and waiting; propensity (1 - eps) 1[a = base] + eps / (|allowed| + 1).

    Decision points are the rows where the base acts, or where the debtor has not been contacted
    for ``review_days`` (a weekly review); elsewhere the base's choice (waiting) stands with
    propensity 1. Being a function of the observed state, the rule keeps off-policy estimates
    unbiased, and it keeps exploration from flooding debtors with random contacts."""

    def __init__(self, base: Policy, epsilon: float, review_days: int = 7) -> None:
        self.base, self.epsilon, self.review_days = base, epsilon, review_days
        self.name = f"logging-{base.name}-eps{epsilon:g}"

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        n = len(batch)
        base = self.base.decide_batch(batch, rng)
        point = (base.action != WAIT) | (batch.days_since_contact >= self.review_days)
        explore = (rng.random(n) < self.epsilon) & point
        pick = rng.random(n)
        n_opts = batch.allowed.sum(axis=1) + 1
        action = base.action.copy()
        for i in np.flatnonzero(explore):
            k = int(pick[i] * n_opts[i])
            allowed = np.flatnonzero(batch.allowed[i])
            action[i] = allowed[k] if k < allowed.size else WAIT
        prop = self.epsilon / n_opts + (1.0 - self.epsilon) * (action == base.action)
        return Decisions(action=action, propensity=np.where(point, prop, 1.0))


__all__ = [
    "DebtorPolicy",
    "DebtorView",
    "Decision",
    "EpsilonMixPolicy",
    "FixedActionPolicy",
    "LadderPolicy",
    "PerDebtor",
    "Policy",
    "RandomPolicy",
]
