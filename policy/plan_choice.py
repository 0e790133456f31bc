"""The choice of a plan at a checkpoint: the creditor's objective under its limits, then targeted
exploration with an exact propensity.

``PlanObjective.score`` turns a plan model's four predicted parts into the creditor's objective,
collected - contact cost - ``complaint_cost_eur`` x complaints, minus ``lam`` x the complaints above
the creditor's limit (``max_complaints_per_1000_contacts`` x contacts / 1000), minus ``cost_mu`` x
the contact cost above the creditor's ceiling on cost per euro collected
(``max_cost_per_euro_collected`` x collected): a Lagrangian, whose multipliers ``lam`` and
``cost_mu`` are chosen on validation worlds (so that the limits hold there), never tuned to make a
report look right; ``value`` (what is reported) never includes them. ``choose`` takes the best
available arm; with ``TopK(epsilon, k)`` it explores among the ``k`` best only, each of them with
probability at least ``epsilon / k`` (the propensity floor), and logs the exact probability of what
it chose. Rules
(who may be contacted today, on which channel) are applied before: unavailable arms never win.
``anchored`` gives a default arm per row (the creditor's plan for the debtor's segment) a bonus of
``margin`` EUR, so the model overrules the default only where it expects a clear gain.
``Evidence`` asks more of the model for a debtor whose own history does not yet say it is not the
segment's typical payer (e.g. no broken promise): a larger margin, or none at all (the segment's
plan is kept); a gain the model expects from the segment's averages alone is often a cost that
falls after the window it learns (a firm letter that sours an accounts-payable department).
With ``Evidence.then`` a debtor whose history does show it is anchored on that escalation plan
instead of its segment's (e.g. a firm letter after a broken promise): the model's short-window
value can misjudge what a proven late payer needs, so it must beat that plan by the margin too.
``Evidence.against`` is counter-evidence that withholds it (e.g. earlier invoices paid on time: an
accounts-payable department that broke a promise, whom a firm letter would sour).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ledger.creditor_objective import CreditorObjective
from policy.plan_model import COMPONENTS

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]

_COLLECTED, _COST, _COMPLAINTS, _CONTACTS = (COMPONENTS.index(c) for c in COMPONENTS)


@dataclass(frozen=True)
class PlanObjective(CreditorObjective):
    """The creditor's objective and limits over a plan model's four predicted parts, with the
    multipliers the learner chooses under (never part of the reported ``value``)."""

    lam: float = 0.0  # EUR per complaint above the limit (the Lagrange multiplier)
    cost_mu: float = 0.0  # per EUR of contact cost above the cost ceiling (its multiplier)

    def value(self, parts: F) -> F:
        """The creditor's objective in EUR (``parts``: [..., component])."""
        return np.asarray(
            self.net_eur(parts[..., _COLLECTED], parts[..., _COST], parts[..., _COMPLAINTS])
        )

    def score(self, parts: F) -> F:
        """The objective minus the multipliers times the complaints above the limit and the
        contact cost above the cost ceiling."""
        excess = self.complaint_excess(parts[..., _COMPLAINTS], parts[..., _CONTACTS])
        over = self.cost_excess(parts[..., _COST], parts[..., _COLLECTED])
        return np.asarray(self.value(parts) - self.lam * excess - self.cost_mu * over)


def anchored(scores: F, default: I, margin: float | F) -> F:
    """``scores`` with ``margin`` (one, or one per row) added to each row's ``default`` arm (-1: no
    default): another arm is then chosen only when its score beats the default's by more."""
    out = np.array(scores, dtype=float, copy=True)
    rows = np.flatnonzero(default >= 0)
    out[rows, default[rows]] += np.broadcast_to(np.asarray(margin, dtype=float), default.shape)[
        rows
    ]
    return out


Move = tuple[int, int, int]  # (segment index, the arm anchored on, the arm taken instead)
HELD_BACK_EUR = 1e12
"""What a move the creditor's log has not shown to pay loses in the ranking: far more than any
margin, so the anchor wins wherever it is available, yet finite, so that where it is not the arms
keep the model's order among themselves."""


def moves_only(scores: F, default: I, segment: I, moves: frozenset[Move]) -> F:
    """``scores`` where, for a row anchored on an arm (``default`` >= 0), each other arm is taken
    only when (the row's ``segment``, that anchor, the arm) is among ``moves``, the moves the
    creditor's own log showed to pay (``training.plan_moves``); every other arm is held back by
    ``HELD_BACK_EUR``."""
    out = np.array(scores, dtype=float, copy=True)
    n, k = out.shape
    allowed = np.zeros((n, k), dtype=bool)
    for s, a, m in moves:
        allowed[(segment == s) & (default == a), m] = True
    rows = np.flatnonzero(default >= 0)
    allowed[rows, default[rows]] = True
    held = ~allowed & (default >= 0)[:, None]
    out[held] -= HELD_BACK_EUR
    return out


def reachable_anchor(default: I, available: B, fallback: I) -> I:
    """Per row its anchor (``default``, -1: none), or, where that plan cannot reach the debtor
    and the anchor's ``fallback`` (per arm, -1: none) can, the fallback: the plan as a fixed plan
    runs it (a debtor without the channel gets a letter), so the anchor is the plan that was
    chosen as the segment's."""
    rows = np.arange(len(default))
    at = np.maximum(default, 0)
    then = np.asarray(fallback, dtype=np.int64)[at]
    move = (default >= 0) & ~available[rows, at] & (then >= 0)
    move &= available[rows, np.maximum(then, 0)]
    return np.asarray(np.where(move, then, default), dtype=np.int64)


Condition = tuple[str, str, float]  # (state column, ">=" or "<=", value)


def conditions(raw: object, what: str) -> tuple[Condition, ...]:
    """``raw`` (tuples, or lists read back from JSON) as conditions, an unknown operator refused."""
    out = tuple((str(c), str(op), float(v)) for c, op, v in raw)  # type: ignore[attr-defined]
    if any(op not in (">=", "<=") for _, op, _ in out):
        raise ValueError(f"{what}: each condition is (column, '>=' or '<=', value)")
    return out


def all_hold(conds: tuple[Condition, ...], values: F) -> B:
    """Per row whether every condition holds (``values``: [row, condition]; NaN, e.g. no
    invoice paid yet, holds no condition)."""
    with np.errstate(invalid="ignore"):
        holds = [
            values[:, i] >= v if op == ">=" else values[:, i] <= v
            for i, (_, op, v) in enumerate(conds)
        ]
    return np.asarray(np.logical_and.reduce(holds))


@dataclass(frozen=True)
class Evidence:
    """A debtor's own history supports leaving its segment's plan when the state count ``column``
    is at least ``at_least`` (or any of the ``also`` pairs (column, at least) holds); without it
    the margin is ``margin_without_eur`` (None: the segment's plan is kept whenever it is
    available). ``then``: the arm a debtor with that evidence is anchored on instead of its
    segment's (an escalation plan; None: its segment's), or one per segment (index: segment; -1:
    that segment keeps its own plan). ``against``: counter-evidence, (column, ``">="`` or
    ``"<="``, value) conditions that, when all hold, say the debtor is not the payer the rules
    suggest (e.g. it paid its earlier invoices on time): the evidence is then not shown.
    ``known``: conditions that, when all hold, say the debtor's own history is long enough for the
    model to judge it without evidence (e.g. several earlier invoices paid): such a row keeps its
    segment's anchor but another arm need only beat it by ``margin_known_eur``. ``margin_share``:
    the margin is at least this share of the amount overdue (``amount``, a state column in EUR,
    or of log1p(EUR) when ``amount_log``), for a model whose errors grow with the claim."""

    column: str = "promises_broken"
    at_least: float = 1.0
    margin_without_eur: float | None = None
    also: tuple[tuple[str, float], ...] = ()
    then: int | tuple[int, ...] | None = None
    against: tuple[tuple[str, str, float], ...] = ()
    known: tuple[tuple[str, str, float], ...] = ()
    margin_known_eur: float | None = None
    margin_share: float = 0.0
    amount: str = "log_overdue_eur"
    amount_log: bool = True

    def __post_init__(self) -> None:  # read back from JSON, the tuples come as lists
        object.__setattr__(self, "also", tuple((str(c), float(a)) for c, a in self.also))
        if isinstance(self.then, list | tuple):
            object.__setattr__(self, "then", tuple(int(a) for a in self.then))
        object.__setattr__(self, "against", conditions(self.against, "evidence against"))
        object.__setattr__(self, "known", conditions(self.known, "evidence known"))
        if self.known and self.margin_known_eur is None:
            raise ValueError("evidence known: give margin_known_eur, the margin for such a row")

    @property
    def escalations(self) -> tuple[int, ...]:
        """The escalation plans' arms (none, one, or one per segment that has one)."""
        if self.then is None:
            return ()
        return tuple(sorted({a for a in np.atleast_1d(self.then).tolist() if a >= 0}))

    @property
    def rules(self) -> tuple[tuple[str, float], ...]:
        return ((self.column, self.at_least), *self.also)

    @property
    def columns(self) -> tuple[str, ...]:
        """The state columns it reads: the rules', the counter-evidence's, then ``known``'s."""
        return (
            *(c for c, _ in self.rules),
            *(c for c, _, _ in self.against),
            *(c for c, _, _ in self.known),
            *((self.amount,) if self.margin_share > 0 else ()),
        )

    def shown(self, counts: F) -> B:
        """Per row whether the evidence is there (``counts``: [row] of ``column``, or [row, rule]
        in the order of ``columns``; the counter-evidence is read when its columns are given)."""
        c = np.asarray(counts, dtype=float).reshape(len(counts), -1)
        n = len(self.rules)
        at_least = np.array([a for _, a in self.rules][: c.shape[1]])
        shown = (c[:, :n] >= at_least).any(axis=1)
        if self.against and c.shape[1] >= n + len(self.against):
            shown &= ~all_hold(self.against, c[:, n:])
        return np.asarray(shown)

    def margins(self, counts: F, margin: float) -> F:
        """Per row the margin to apply: ``margin`` with evidence, else ``margin_known_eur`` where
        the history is ``known``, else the one without evidence."""
        without = np.inf if self.margin_without_eur is None else self.margin_without_eur
        c = np.asarray(counts, dtype=float).reshape(len(counts), -1)
        shown = self.shown(c)
        out = np.where(shown, margin, without)
        if self.known and self.margin_known_eur is not None:  # both given, or refused at init
            start = len(self.rules) + len(self.against)
            known = all_hold(self.known, c[:, start : start + len(self.known)])
            out = np.where(known & ~shown, self.margin_known_eur, out)
        if self.margin_share > 0:
            if c.shape[1] != len(self.columns):  # the amount is the last of every column read
                raise ValueError(f"a margin share needs the state's {self.amount!r} column")
            amount = np.nan_to_num(np.expm1(c[:, -1]) if self.amount_log else c[:, -1])
            out = np.maximum(out, self.margin_share * amount)
        return np.asarray(out)

    def kept(self) -> Evidence:
        """The same anchors, each kept whatever the model expects: no margin for a row without
        evidence (nor for a ``known`` history) that another arm could beat; with the anchored
        policy's own margin infinite, a policy of its anchors alone."""
        return replace(self, margin_without_eur=None, known=(), margin_known_eur=None)

    def defaults(self, counts: F, default: I, segment: I | None = None) -> I:
        """Per row the arm it is anchored on: ``then`` with evidence (when set; per segment, the
        row's ``segment`` index, -1: none), else ``default`` (the segment's)."""
        if self.then is None:
            return default
        then = np.asarray(self.then, dtype=np.int64)
        if then.ndim:
            if segment is None:
                raise ValueError("an escalation plan per segment needs the rows' segments")
            ok = (segment >= 0) & (segment < len(then))
            then = np.where(ok, then[np.where(ok, segment, 0)], -1)
        return np.where(self.shown(counts) & (default >= 0) & (then >= 0), then, default)


@dataclass(frozen=True)
class TopK:
    """Explore with probability ``epsilon`` uniformly among the ``k`` best available arms."""

    epsilon: float = 0.0
    k: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.epsilon <= 1.0 or self.k < 1:
            raise ValueError("exploration needs 0 <= epsilon <= 1 and k >= 1")


GREEDY = TopK(0.0, 1)


@dataclass(frozen=True)
class Choice:
    arm: I  # chosen arm per row
    propensity: F  # the probability of that arm under the policy
    greedy: I  # the best arm per row
    runner_up: I  # the second best available arm (-1 when there is none)

    def take(self, rows: I | B) -> Choice:
        """The same choice restricted to some rows."""
        return Choice(self.arm[rows], self.propensity[rows], self.greedy[rows],
                      self.runner_up[rows])  # fmt: skip


def choose(scores: F, available: B, rng: np.random.Generator, exploration: TopK = GREEDY) -> Choice:
    """Per row the best available arm, or with probability ``epsilon`` one of the top ``k``."""
    n = scores.shape[0]
    masked = np.where(available, scores, -np.inf)
    if not available.any(axis=1).all():
        raise ValueError("every row needs at least one available arm (waiting always is)")
    order = np.argsort(-masked, axis=1, kind="stable")
    n_ok = available.sum(axis=1)
    k = np.minimum(exploration.k, n_ok)
    best = order[:, 0]
    runner = np.where(n_ok > 1, order[:, 1] if order.shape[1] > 1 else -1, -1)
    explore = rng.random(n) < exploration.epsilon
    pick = np.minimum((rng.random(n) * k).astype(np.int64), k - 1)
    arm = np.where(explore, order[np.arange(n), pick], best)
    floor = exploration.epsilon / k
    prop = np.where(arm == best, 1.0 - exploration.epsilon + floor, floor)
    return Choice(arm.astype(np.int64), prop, best.astype(np.int64), runner.astype(np.int64))
