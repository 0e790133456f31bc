"""The type-posterior flow: what kind of payer a debtor is, inferred at each checkpoint, and the
plan worth most for that kind.

The headroom above the segment plans lies in knowing the debtor's kind (``type-segment-plan``,
which reads the hidden type, is the ceiling), and the creditor's own log is too small to learn it
(sessions 16 to 18). Simulated worlds know it. So, from the report family's choice family only
(VALIDATION for TEST, the default world's validation seeds for it; never a world reported):

* a **classifier** (LightGBM, multiclass) of the latent archetype from the point-in-time plan
  state at a checkpoint (:class:`simulator.debtor_history.DebtorHistory`'s features: segment,
  amount, days past due, contacts, reach and payment after contact per channel and tone,
  promises, payment history), fitted on the checkpoints of ``reps`` simulated histories per
  choice world, each logged by the plan-logging policy (the anchors with targeted exploration:
  the states a creditor's debtors are in);
* a **value table** per (plan, segment, type): the objective per debtor each plan earned for that
  cell in the choice worlds' plan search (:func:`simulator.baselines.plan_stats`), minus
  ``complaint_eur`` per complaint (the complaint limit as a price, as the anchors' search does);
* at a checkpoint, the **expected value** of each plan under the debtor's posterior; the plans a
  segment may take are those the search picks for one of its types (``type-segment-plan`` on the
  choice family). With ``margin_eur`` the debtor keeps its anchor (its segment's plan, the
  escalation plan after a broken promise) unless another plan's expected value beats the
  anchor's by more than the margin.

Every knob (``PosteriorConfig``) is chosen on the VALIDATION family; TEST and the default world
are only reported (``benchmarks/bench_policy.py``). This is a replay policy: the API and the
scheduler do not serve it yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.plan_choice import Choice
from policy.plan_logging import LOGGING_EPSILON, PlanLoggingPolicy
from simulator.baselines import PlanStats, per_group, plan_stats
from simulator.checkpoints import WAIT_ARM
from simulator.config import ARCHETYPES, SimConfig
from simulator.debtor_history import CH, TN
from simulator.evaluation import paired
from simulator.families import Family, cases, choice_family
from simulator.objective import DEFAULT_OBJECTIVE, Objective
from simulator.outcome import WorldCase, segments
from simulator.plans import PLANS
from simulator.registry import PolicyFactory
from simulator.replay import run
from simulator.views import DecisionBatch, Decisions
from simulator.world import World
from training.plan_learner import (
    CHOSEN,
    LearnerConfig,
    logging_policy,
    targeted_logger,
    with_segment_defaults,
)
from training.plan_policy import Chooser, PlanPolicy

F = NDArray[np.float64]
B = NDArray[np.bool_]
I = NDArray[np.int64]  # noqa: E741
TYPE_POSTERIOR = "type-posterior"
KNOWN_TYPES = "type-posterior-told-the-type"  # evaluation only
HISTORY_OFFSET = 31_337  # the classifier's histories: other draws than the choice worlds' own
REP_STEP = 7_919
DIAGNOSIS_DRAW = 1_000  # the diagnosis's histories: a draw no fit uses


@dataclass(frozen=True)
class PosteriorConfig:
    reps: int = 3  # simulated histories per choice world the classifier learns from
    epsilon: float = LOGGING_EPSILON  # their plan-logging policy's exploration
    trees: int = 150
    leaves: int = 7
    min_child: int = 100
    learning_rate: float = 0.05
    complaint_eur: float = 2000.0  # the price of a complaint in the value table, beyond the 50
    margin_eur: float | None = 300.0  # None: no anchors, the best expected value everywhere
    draw: int = 0  # another draw of the classifier's histories (how much the figures move with it)
    bag: int = 1  # classifiers averaged, each fitted on its own draw of the histories
    informed_after: int = 0  # contacts in the episode before the posterior may leave the anchor
    per_euro: bool = False  # the value table per euro of a debtor's mean invoice, scaled per row
    counts: bool = False  # the state also holds the counts behind its rates (``CountedPolicy``)


@dataclass(frozen=True)
class TypePosterior:
    """A fitted posterior and its value table."""

    classifiers: tuple[Any, ...]  # lightgbm.LGBMClassifier, one per bag
    columns: list[str]
    score: F  # [plan, segment, type] EUR per debtor (per euro: per EUR of mean invoice)
    allowed: B  # [segment, plan]: the plans the segment may take
    per_euro: bool = False  # ``score`` per euro, scaled by each row's mean overdue invoice

    def posterior(self, state: pd.DataFrame) -> F:
        """P(type | state) per row, the classifiers' mean: [row, type] (a type no history
        showed has 0)."""
        out = np.zeros((len(state), self.score.shape[2]))
        for clf in self.classifiers:
            p = np.asarray(clf.predict_proba(state[self.columns]), dtype=float)
            out[:, np.asarray(clf.classes_, dtype=np.int64)] += p / len(self.classifiers)
        return out

    def expected(self, state: pd.DataFrame, posterior: F | None = None) -> F:
        """The expected value of every plan for each row under its posterior (or ``posterior``,
        [row, type]): [row, plan]."""
        seg = state["segment"].to_numpy(dtype=np.int64)
        p = self.posterior(state) if posterior is None else posterior
        ev = np.asarray(np.einsum("rt,prt->rp", p, self.score[:, seg, :]))
        if not self.per_euro:
            return ev
        overdue = np.expm1(state["log_overdue_eur"].to_numpy(dtype=float))
        mean_invoice = overdue / np.maximum(state["n_overdue"].to_numpy(dtype=float), 1.0)
        return np.asarray(ev * mean_invoice[:, None])


class CountedPolicy(PlanPolicy):
    """A plan policy whose state also holds the counts behind the history's rates: contacts
    and contacts reached per channel, contacts per tone (how much evidence each rate is)."""

    def state(self, batch: DecisionBatch, rows: I) -> pd.DataFrame:
        state = super().state(batch, rows)
        d = batch.debtor[rows]
        ch, tn = self.history.by_channel[d], self.history.by_tone[d]
        extra = {
            **{f"contacts_{c}": ch[:, i, 0] for i, c in enumerate(CH)},
            **{f"reached_{c}": ch[:, i, 1] for i, c in enumerate(CH)},
            **{f"contacts_{t}": tn[:, i, 0] for i, t in enumerate(TN)},
        }
        return pd.concat([state, pd.DataFrame(extra, index=state.index)], axis=1)


def plan_policy(counts: bool) -> type[PlanPolicy]:
    """The plan policy whose state the posterior reads (``PosteriorConfig.counts``)."""
    return CountedPolicy if counts else PlanPolicy


def _given(policy: PlanPolicy) -> PolicyFactory:
    return lambda _w: policy


def _histories(
    todo: Sequence[WorldCase], cfg: LearnerConfig, pc: PosteriorConfig
) -> tuple[pd.DataFrame, I]:
    """The checkpoint states of ``pc.reps`` histories per case under the plan-logging policy, and
    each checkpoint's debtor's latent type."""
    defaults = cfg.default_arms
    if defaults is None:
        raise ValueError("the type posterior's histories need the segment plans")
    rule = logging_policy(cfg, pc.epsilon, cfg.evidence)
    states, types = [], []
    for case in todo:
        for rep in range(pc.reps):
            seed = case.seed + HISTORY_OFFSET + REP_STEP * (rep + pc.reps * pc.draw)
            world = World(seed, SimConfig(n_debtors=case.n_debtors, days=case.days,
                                          world=case.spec))  # fmt: skip
            policy = plan_policy(pc.counts)(world, targeted_logger(rule, defaults), "history",
                                            log=True, arms=cfg.arms)  # fmt: skip
            run(world, policy.name, _given(policy))
            assert policy.log is not None
            state, cols = policy.log.frame()
            states.append(state)
            types.append(world.pop.archetype[np.asarray(cols["debtor"], dtype=np.int64)])
    return pd.concat(states, ignore_index=True), np.concatenate(types)


def value_table(
    todo: Sequence[WorldCase],
    stats: Sequence[PlanStats],
    complaint_eur: float,
    per_euro: bool = False,
) -> F:
    """[plan, segment, type]: objective per debtor minus ``complaint_eur`` per complaint, pooled
    over ``todo``'s plan searches ``stats`` (a cell no world has is 0 for every plan); with
    ``per_euro`` per euro of the debtors' mean invoice instead (a cell's euros weigh as much as
    they count in the objective)."""
    cells = np.sum([s.cells for s in stats], axis=0)
    n = np.zeros(cells.shape[1:3])
    for case in todo:
        world = case.world()
        seg, _ = segments(world)
        pop = world.pop
        weight = np.ones(pop.n_debtors)
        if per_euro:
            total = np.bincount(pop.inv_debtor, pop.inv_amount / 100.0, pop.n_debtors)
            weight = total / np.maximum(np.bincount(pop.inv_debtor, minlength=pop.n_debtors), 1)
        np.add.at(n, (seg, pop.archetype), weight)
    per = np.maximum(n, 1)[None]
    return np.asarray((cells[..., 0] - complaint_eur * cells[..., 1]) / per)


def fit_posterior(
    report: Family, pc: PosteriorConfig, objective: Objective = DEFAULT_OBJECTIVE
) -> TypePosterior:
    """The posterior and value table for reports on ``report``, from its choice family only."""
    import lightgbm as lgb

    todo = cases(choice_family(report))
    cfg = with_segment_defaults(CHOSEN, report)
    classifiers = []
    for b in range(pc.bag):  # each on its own draw of the histories
        state, types = _histories(todo, cfg, replace(pc, draw=pc.draw * pc.bag + b))
        columns = list(state.columns)
        clf = lgb.LGBMClassifier(
            n_estimators=pc.trees, learning_rate=pc.learning_rate, num_leaves=pc.leaves,
            min_child_samples=pc.min_child, n_jobs=1, verbose=-1,
        )  # fmt: skip
        classifiers.append(clf.fit(state[columns], types))
    stats = [plan_stats(c, objective) for c in todo]
    n_seg, n_types = stats[0].cells.shape[1:3]
    picked = [PLANS.index(p) for p in per_group(stats, "cell", objective)]
    cell_plans = np.asarray(picked, dtype=np.int64).reshape(n_seg, n_types)
    allowed = np.zeros((n_seg, len(PLANS)), dtype=bool)
    for s in range(n_seg):
        allowed[s, cell_plans[s]] = True
    table = value_table(todo, stats, pc.complaint_eur, pc.per_euro)
    return TypePosterior(tuple(classifiers), columns, table, allowed, pc.per_euro)


def regret_by_type(tp: TypePosterior, state: pd.DataFrame, types: I) -> dict[str, Any]:
    """Diagnostic, evaluation only (it reads the hidden type): how the posterior errs at the
    checkpoints ``state`` whose debtors are of ``types``, and what its errors cost under the value
    table. Per type: checkpoints, the share classified right (the posterior's mode), the mean
    posterior on the true type, and the regret (EUR per checkpoint): the value, for the true
    type, of the plan the true type would take among the segment's, minus that of the plan the
    posterior's expected value takes; also the confusion matrix (rows true, columns the mode)."""
    rows, seg = np.arange(len(state)), state["segment"].to_numpy(dtype=np.int64)
    p = tp.posterior(state)
    chosen = np.argmax(np.where(tp.allowed[seg], tp.expected(state, p), -np.inf), axis=1)
    truth = np.where(tp.allowed[seg], tp.score[:, seg, types].T, -np.inf)
    regret = truth.max(axis=1) - truth[rows, chosen]
    mode = np.argmax(p, axis=1)
    n_types = tp.score.shape[2]
    per_type = {
        ARCHETYPES[k]: {
            "checkpoints": int(m.sum()),
            "accuracy": round(float(np.mean(mode[m] == k)), 3),
            "mean_posterior_on_truth": round(float(np.mean(p[m, k])), 3),
            "regret_eur": round(float(np.mean(regret[m])), 1),
        }
        for k in range(n_types)
        if (m := types == k).any()
    }
    confusion = np.zeros((n_types, n_types), dtype=np.int64)
    np.add.at(confusion, (types, mode), 1)
    return {
        "checkpoints": len(state),
        "accuracy": round(float(np.mean(mode == types)), 3),
        "regret_eur": round(float(np.mean(regret)), 1),
        "per_type": per_type,
        "confusion": {"types": list(ARCHETYPES[:n_types]), "rows_true": confusion.tolist()},
    }


def diagnose(report: Family, pc: PosteriorConfig) -> dict[str, Any]:
    """:func:`regret_by_type` on one history per world of ``report`` itself (other draws than
    its replay's), for the posterior fitted for it (on its choice family)."""
    tp = fit_posterior(report, pc)
    cfg = with_segment_defaults(CHOSEN, report)
    state, types = _histories(cases(report), cfg, replace(pc, reps=1, draw=DIAGNOSIS_DRAW))
    return regret_by_type(tp, state, types)


def posterior_chooser(
    tp: TypePosterior,
    margin_eur: float | None,
    anchors: tuple[PlanLoggingPolicy, I] | None = None,
    told: Callable[[pd.DataFrame], F] | None = None,
    informed_after: int = 0,
) -> Chooser:
    """At each checkpoint the plan of best expected value among the segment's (and reachable);
    with ``margin_eur`` and ``anchors`` (the anchoring rule, the segment plans' arms) the anchor
    unless that plan beats it by more than the margin. Greedy: propensity 1. ``told``: the
    rows' posterior given (from their state) instead of inferred (:class:`KnownTypes`, a
    diagnostic)."""
    if margin_eur is not None and anchors is None:
        raise ValueError("a margin needs the anchors")

    def chooser(state: pd.DataFrame, avail: B, rng: np.random.Generator) -> Choice:
        n = len(state)
        rows = np.arange(n)
        seg = state["segment"].to_numpy(dtype=np.int64)
        ev = tp.expected(state, None if told is None else told(state))
        reach = avail[:, : len(PLANS)]  # a plan's arm is its index in PLANS
        ev_ok = np.where(tp.allowed[seg] & reach, ev, -np.inf)
        best = np.argmax(ev_ok, axis=1)
        found = np.isfinite(ev_ok[rows, best])
        arm = np.where(found, best, WAIT_ARM)
        if margin_eur is not None and anchors is not None:
            rule, defaults = anchors
            anchor = rule.anchored(defaults[seg], state)
            plan = np.clip(anchor, 0, len(PLANS) - 1)
            anchored = (anchor < len(PLANS)) & reach[rows, plan]
            stays = ~found | (ev[rows, best] - ev[rows, plan] <= margin_eur)
            if informed_after > 0:  # the anchor's first contacts are what inform the posterior
                stays |= state["episode_contacts"].to_numpy() < informed_after
            arm = np.where(anchored & stays, anchor, arm)
        ones = np.ones(n)
        return Choice(arm, ones, arm, np.full(n, -1, dtype=np.int64))

    return chooser


def told_posterior(tp: TypePosterior, state: pd.DataFrame, types: I, after: int) -> F:
    """Diagnostic, evaluation only: the posterior of rows ``state`` whose debtors are of
    ``types`` when told the kind once the episode has had ``after`` contacts (0: always), the
    inferred posterior before: [row, type]."""
    known = np.eye(tp.score.shape[2])[types]
    if after <= 0:
        return known
    informed = state["episode_contacts"].to_numpy() >= after
    return np.where(informed[:, None], known, tp.posterior(state))


class KnownTypes(CountedPolicy):  # its state serves either classifier
    """Diagnostic, evaluation only (it reads the hidden type): the type-posterior flow told each
    debtor's true kind, so what a perfect classifier would reach with the same value table. With
    ``after`` N > 0, told it only once the episode has had N contacts (the posterior before):
    what a posterior that reads the answers to contacts perfectly could reach at best."""

    def __init__(
        self,
        world: World,
        tp: TypePosterior,
        margin_eur: float | None,
        anchors: tuple[PlanLoggingPolicy, I] | None,
        after: int = 0,
    ) -> None:
        types = world.pop.archetype
        self.due = np.zeros(0, dtype=np.int64)

        chooser = posterior_chooser(
            tp, margin_eur, anchors, lambda state: told_posterior(tp, state, types[self.due], after)
        )
        super().__init__(world, chooser, KNOWN_TYPES)

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        self.due = batch.debtor[np.flatnonzero(self.clock.due(batch))]
        return super().decide_batch(batch, rng)


_FITTED: dict[tuple[str, PosteriorConfig], TypePosterior] = {}


def posterior_factory(
    report: Family, pc: PosteriorConfig | None = None, *, told_after: int | None = None
) -> PolicyFactory:
    """The type-posterior flow for reports on ``report`` (fitted once per process, lazily: a
    forked evaluation worker fits its own, LightGBM never runs in the parent); ``told_after``:
    :class:`KnownTypes` instead, told the kind after that many contacts (0: always)."""
    c = pc or CHOSEN_POSTERIOR
    cfg = with_segment_defaults(CHOSEN, report)
    defaults = cfg.default_arms
    assert defaults is not None
    rule = logging_policy(cfg, 0.0, cfg.evidence)

    def factory(world: World) -> PlanPolicy:
        key = (report.name, c)
        if key not in _FITTED:
            _FITTED[key] = fit_posterior(report, c)
        anchors = (rule, defaults) if c.margin_eur is not None else None
        if told_after is not None:
            return KnownTypes(world, _FITTED[key], c.margin_eur, anchors, told_after)
        chooser = posterior_chooser(
            _FITTED[key], c.margin_eur, anchors, informed_after=c.informed_after
        )
        return plan_policy(c.counts)(world, chooser, TYPE_POSTERIOR)  # its plans: ``allowed``

    return factory


CHOSEN_POSTERIOR = PosteriorConfig()
"""Chosen on VALIDATION (session 19; ``python -m training.type_posterior``)."""

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "type_posterior.json"


def _merge(path: tuple[str, ...], entry: dict[str, Any]) -> None:
    """Write ``entry`` into ``type_posterior.json`` at ``path``, keeping every other entry."""
    import json

    found = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    node = found
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = entry
    RESULTS.write_text(json.dumps(found, indent=2) + "\n")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Replay one configuration beside the baselines and the anchors on a family; the summary is
    merged into ``benchmarks/results/type_posterior.json`` under the family and configuration."""
    import argparse
    import json
    from dataclasses import asdict

    from simulator.evaluation import evaluate_family
    from simulator.families import FAMILIES
    from training.plan_learner import ESCALATION_RULE, escalation_rule_factory

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--family", default="validation", choices=sorted(FAMILIES))
    parser.add_argument("--reps", type=int, default=CHOSEN_POSTERIOR.reps)
    parser.add_argument("--margin", default=str(CHOSEN_POSTERIOR.margin_eur), help="EUR or none")
    parser.add_argument("--complaint-eur", type=float, default=CHOSEN_POSTERIOR.complaint_eur)
    parser.add_argument("--leaves", type=int, default=CHOSEN_POSTERIOR.leaves)
    parser.add_argument("--draw", type=int, default=0, help="another draw of the histories")
    parser.add_argument("--bag", type=int, default=CHOSEN_POSTERIOR.bag, help="classifiers")
    parser.add_argument(
        "--epsilon", type=float, default=CHOSEN_POSTERIOR.epsilon, help="the histories' exploration"
    )
    parser.add_argument(
        "--informed-after",
        type=int,
        default=CHOSEN_POSTERIOR.informed_after,
        help="contacts in the episode before the posterior may leave the anchor",
    )
    parser.add_argument(
        "--per-euro",
        action="store_true",
        default=CHOSEN_POSTERIOR.per_euro,
        help="the value table per euro of mean invoice",
    )
    parser.add_argument(
        "--counts",
        action="store_true",
        default=CHOSEN_POSTERIOR.counts,
        help="the state also holds the counts behind its rates",
    )
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument(
        "--known-types",
        type=int,
        nargs="?",
        const=0,
        metavar="AFTER",
        help="diagnostic: told the true kind (reads it), from the episode's AFTER-th contact on",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="diagnostic: the posterior's errors and their cost per type (reads the type)",
    )
    args = parser.parse_args(argv)
    margin = None if args.margin.lower() == "none" else float(args.margin)
    pc = replace(CHOSEN_POSTERIOR, reps=args.reps, margin_eur=margin,
                 complaint_eur=args.complaint_eur, leaves=args.leaves, draw=args.draw,
                 bag=args.bag, epsilon=args.epsilon,
                 informed_after=args.informed_after,
                 per_euro=args.per_euro, counts=args.counts)  # fmt: skip
    family = FAMILIES[args.family]
    key = ", ".join(f"{k}={v}" for k, v in asdict(pc).items())
    if args.diagnose:
        diagnosis = diagnose(family, pc)
        _merge(("diagnosis (evaluation only)", family.name, key), diagnosis)
        print(json.dumps({k: v for k, v in diagnosis.items() if k != "confusion"}, indent=1))
        return diagnosis
    anchors = escalation_rule_factory(with_segment_defaults(CHOSEN, family))
    factories = {
        TYPE_POSTERIOR: posterior_factory(family, pc, told_after=args.known_types),
        ESCALATION_RULE: anchors,
    }
    table = evaluate_family(factories, family, DEFAULT_OBJECTIVE, jobs=args.jobs)
    rows = [w["policies"] for w in table["worlds"]]
    share = "share_of_ceiling"
    points = [round(100 * (r[TYPE_POSTERIOR][share] - r[ESCALATION_RULE][share]), 2) for r in rows]
    names = (TYPE_POSTERIOR, ESCALATION_RULE, "segment-fixed", "best-fixed")
    entry = {
        "config": asdict(pc),
        "summary": {n: table["summary"][n] for n in names},
        "points_over_anchors_per_world": points,
        "points_over_anchors": paired(points),
        "seconds": table["seconds"],
    }
    if args.known_types is not None:
        after = f", after {args.known_types} contacts" if args.known_types else ""
        key = f"{KNOWN_TYPES} (evaluation only){after}, {key}"
    _merge((family.name, key), entry)
    print(json.dumps({n: entry["summary"][n]["mean_share_of_ceiling"] for n in names}))
    print(json.dumps(entry["points_over_anchors"]), points)
    return entry


if __name__ == "__main__":
    main()
