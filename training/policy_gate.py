"""The promotion gate: a candidate policy becomes champion only when every check passes.

The checks, each stated with its rule and its figures (the verdict, ``gate.json``):

1. hold-out, from :func:`training.outcome_models.holdout_metrics` (the candidate's models scored
   on the held-out decisions beside baselines fitted on the candidate's own training rows):
   P(pay) AUC not below the logistic baseline's by more than ``Margins.auc``; P(pay) log loss
   not above the logistic baseline's nor the prior's, and the complaint log loss not above the
   prior's, by more than ``Margins.logloss_share`` of the baseline's. A missing figure (an AUC on
   a one-class hold-out) fails: what cannot be judged is not promoted.
2. off-policy: the candidate's gain over what the logging policy earned on the same decisions,
   its doubly-robust term minus the logged reward paired per decision (reward: paid − contact
   cost − the creditor's stated cost per complaint; no multipliers), must have the lower end of
   its 95 % interval above zero, on an effective sample of at least ``min_ess`` decisions.
   Paired, the logged reward's own spread cancels out of the interval; compared with the logging
   policy's mean as a constant (before session 13) a candidate that mostly does what the logger
   did could never show a gain smaller than that spread. DR's reward model is the gate's own
   (fitted on the candidate's training rows with the declared default configuration), never the
   candidate's: a model trained on shuffled labels rated itself above the logging policy.
3. replay on a family of worlds (the validation family: every choice is made there) with
   common random numbers: the candidate's objective minus the reference's (``segment-fixed``,
   chosen on that family) per world, as EUR per debtor; the lower end of the paired 95 %
   t-interval must be above zero (with one world: the difference itself).
4. limits: in every world of the family the candidate held the creditor's limits (complaints per
   1,000 contacts, contacts per debtor in the budget window).
5. with a champion: the candidate's mean paired difference against it is not negative.

A forced promotion (``dunflow models promote --force --reason``) keeps the failed checks in the
verdict beside who forced it and why. The gate only judges: it never trains or registers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulator.baselines import plan_stats
from simulator.evaluation import chosen_plans, paired
from simulator.families import FAMILIES, TEST, VALIDATION, Family, cases
from simulator.objective import DEFAULT_OBJECTIVE, Objective
from simulator.outcome import WorldCase, run_case, score, segments
from simulator.plans import GroupedPlanPolicy
from simulator.registry import PolicyFactory, make_policy
from training.ope import Estimate

VERDICT_FILE = "gate.json"
PASS, REFUSE = "pass", "refuse"


@dataclass(frozen=True)
class Margins:
    """How far a candidate may trail a baseline on the hold-out and still pass: about two standard
    errors of an AUC (0.01 on a few thousand held-out decisions) and 1 % of a log loss. Wider
    margins would let through a model that learned nothing the baseline did not."""

    auc: float = 0.01
    logloss_share: float = 0.01


@dataclass(frozen=True)
class GateConfig:
    margins: Margins = field(default_factory=Margins)
    family: Family = VALIDATION
    reference: str = "segment-fixed"  # or best-fixed, or any registry policy (ladder, random)
    objective: Objective = DEFAULT_OBJECTIVE
    ope_estimator: str = "dr"
    # an interval from fewer effective decisions leans on a normal approximation of a few large
    # importance weights: it is not evidence
    min_ess: float = 100.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "margins": asdict(self.margins),
            "family": {
                "name": self.family.name,
                "worlds": len(cases(self.family)),
                "debtors": self.family.debtors,
                "days": self.family.days,
            },
            "reference": self.reference,
            "objective": self.objective.as_dict(),
            "ope_estimator": self.ope_estimator,
            "min_effective_sample_size": self.min_ess,
        }


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    rule: str
    figures: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    config: dict[str, Any] = field(default_factory=dict)
    forced: dict[str, str] | None = None  # who forced a promotion past failed checks, and why

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]

    @property
    def promote(self) -> bool:
        return self.passed or self.forced is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": PASS if self.passed else REFUSE,
            "promote": self.promote,
            "failed": self.failed,
            "checks": [c.as_dict() for c in self.checks],
            "config": self.config,
            "forced": self.forced,
        }

    def summary(self) -> str:
        if self.passed:
            return f"gate passed: {len(self.checks)} checks"
        return f"gate refused: {', '.join(self.failed)} failed"

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, default=str))
        return path

    def force(self, reason: str, by: str) -> Verdict:
        """The same verdict, promoted anyway: the failed checks stay in it."""
        if len(reason.strip()) < 10:
            raise ValueError("--reason: say in a sentence why the gate is overridden")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        return Verdict(self.checks, self.config, {"by": by, "reason": reason.strip(), "at": stamp})


def gate_family(
    name: str = VALIDATION.name,
    worlds: int | None = None,
    debtors: int | None = None,
    days: int | None = None,
) -> Family:
    """A declared family (never TEST: a choice made there voids every report), optionally cut to
    its first ``worlds`` worlds and resized; ``worlds=0`` replays nothing (then the gate refuses).
    """
    if name == TEST.name:
        raise ValueError("--gate-family: the test family is for reports only, never for a choice")
    if name not in FAMILIES:
        raise ValueError(f"--gate-family: unknown family {name!r}; known: {sorted(FAMILIES)}")
    fam = FAMILIES[name]
    if worlds is not None:
        if worlds < 0:
            raise ValueError("--gate-worlds must not be negative")
        fam = (
            replace(fam, seeds=fam.seeds[:worlds])
            if fam.generator_seed is None
            else replace(fam, n_worlds=min(worlds, fam.n_worlds))
        )
    return replace(fam, debtors=debtors or fam.debtors, days=days or fam.days)


def _finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def holdout_checks(metrics: Mapping[str, float], margins: Margins) -> list[Check]:
    """The candidate's hold-out figures against the logistic baseline and the prior."""
    out: list[Check] = []
    auc, base_auc = metrics["pay_auc"], metrics["pay_baseline_logreg_auc"]
    out.append(
        Check(
            "pay_auc_vs_logistic",
            _finite(auc, base_auc) and auc >= base_auc - margins.auc,
            f"P(pay) AUC >= logistic baseline's - {margins.auc}",
            {"candidate": auc, "baseline": base_auc, "margin": margins.auc},
        )
    )
    pairs = (
        ("pay_logloss_vs_logistic", "pay_logloss", "pay_baseline_logreg_logloss", "logistic"),
        ("pay_logloss_vs_prior", "pay_logloss", "pay_baseline_prior_logloss", "prior"),
        ("complaint_logloss_vs_prior", "complaint_logloss", "complaint_baseline_prior_logloss",
         "prior"),
    )  # fmt: skip
    for name, mine, theirs, what in pairs:
        a, b = metrics[mine], metrics[theirs]
        out.append(
            Check(
                name,
                _finite(a, b) and a <= b * (1 + margins.logloss_share),
                f"{mine} <= {what} baseline's x (1 + {margins.logloss_share})",
                {"candidate": a, "baseline": b, "margin_share": margins.logloss_share},
            )
        )
    return out


def ope_check(estimate: Estimate, gain: Estimate, logging_value: float, min_ess: float) -> Check:
    """The candidate's off-policy gain over the logging policy, paired per logged decision
    (``gain``: :func:`policy.ope.gain_of`; ``estimate``: the candidate's own value, reported)."""
    low, high = estimate.ci95
    gain_low, gain_high = gain.ci95
    enough = gain.effective_sample_size >= min_ess
    return Check(
        "ope_lower_bound_vs_logging",
        _finite(gain_low) and gain_low > 0 and enough,
        "lower end of the DR 95 % interval of (candidate - logging policy) reward per decision"
        " (cents), paired per logged decision, > 0, on an effective sample of at least"
        f" {min_ess:g} decisions",
        {
            "estimator": estimate.name,
            "candidate": estimate.value,
            "ci95": [low, high],
            "logging": logging_value,
            "gain": gain.value,
            "gain_ci95": [gain_low, gain_high],
            "effective_sample_size": gain.effective_sample_size,
            "min_effective_sample_size": min_ess,
            "n": gain.n,
        },
    )


def reference_factory(name: str, case: WorldCase, plans: Mapping[str, Any]) -> PolicyFactory:
    """The fixed baselines by name (chosen on the family's choice family), else the registry's."""
    if name == "segment-fixed":
        chosen = list(plans["segment-fixed"].values())
        return lambda w: GroupedPlanPolicy("segment-fixed", chosen, segments(w)[0])
    if name == "best-fixed":
        best = plans["best-fixed"]
        return lambda _w: best.policy()
    return lambda w: make_policy(name, w)


def _per_debtor(rows: Sequence[dict[str, Any]], case_sizes: Sequence[int]) -> list[float]:
    return [r["objective_eur"] / n for r, n in zip(rows, case_sizes, strict=True)]


ANCHORS = "anchors"  # an anchored candidate's anchors without its model (replay_checks)


def _paired_check(name: str, diffs: list[float], strict: bool, what: str) -> Check:
    stats = paired(diffs)
    if strict:
        low = stats["ci95"][0] if stats["ci95"] else stats["mean"]
        ok = low > 0
        rule = f"lower end of the paired 95 % interval of (candidate - {what}) > 0 EUR/debtor"
    else:
        ok = stats["mean"] >= 0
        rule = f"mean paired difference (candidate - {what}) >= 0 EUR/debtor"
    return Check(name, bool(ok), rule, {"eur_per_debtor": stats, "per_world": diffs})


def replay_checks(
    candidate: PolicyFactory,
    cfg: GateConfig,
    champion: PolicyFactory | None = None,
    progress: Callable[[str], None] | None = None,
    anchors: PolicyFactory | None = None,
) -> tuple[list[Check], dict[str, Any]]:
    """Replay the candidate, the reference (and the champion; and ``anchors``, an anchored
    candidate's own anchors without its model, which it must beat as it must beat the reference:
    else its model adds nothing) in every world of ``cfg.family``; returns the checks and the
    scored rows per world."""
    worlds = cases(cfg.family)
    if not worlds:
        missing = Check(f"replay_vs_{cfg.reference}", False, "replayed in at least one world",
                        {"worlds": 0})  # fmt: skip
        return [missing], {}
    plans = (
        chosen_plans(cfg.family, cfg.objective)
        if cfg.reference in ("segment-fixed", "best-fixed")
        else {}
    )
    rows: dict[str, list[dict[str, Any]]] = {"candidate": [], cfg.reference: []}
    if champion is not None:
        rows["champion"] = []
    if anchors is not None:
        rows[ANCHORS] = []
    for case in worlds:
        if plans:
            plan_stats(case, cfg.objective)  # cached: the segment plans were chosen on these
        factories = {"candidate": candidate, cfg.reference: reference_factory(cfg.reference, case,
                                                                              plans)}  # fmt: skip
        if champion is not None:
            factories["champion"] = champion
        if anchors is not None:
            factories[ANCHORS] = anchors
        for name, factory in factories.items():
            rows[name].append(score(run_case(case, name, factory, cfg.objective), cfg.objective))
            if progress:
                progress(f"{case.label}: {name} replayed")
    sizes = [c.n_debtors for c in worlds]
    mine = _per_debtor(rows["candidate"], sizes)

    def diffs(other: str) -> list[float]:
        theirs = _per_debtor(rows[other], sizes)
        return [round(a - b, 4) for a, b in zip(mine, theirs, strict=True)]

    checks = [
        _paired_check(f"replay_vs_{cfg.reference}", diffs(cfg.reference), True, cfg.reference)
    ]
    held = [all(r["limits_held"].values()) for r in rows["candidate"]]
    checks.append(
        Check(
            "limits_held",
            all(held),
            "the candidate held every limit (complaints per 1,000 contacts, contact budget) in"
            " every world",
            {
                "held_in": f"{sum(held)}/{len(held)}",
                "per_world": [
                    {
                        "world": c.label,
                        **r["limits_held"],
                        "complaints_per_1000_contacts": r["complaints_per_1000_contacts"],
                        "max_contacts_in_window": r["max_contacts_in_window"],
                    }
                    for c, r in zip(worlds, rows["candidate"], strict=True)
                ],
            },
        )
    )
    if champion is not None:
        checks.append(_paired_check("replay_vs_champion", diffs("champion"), False, "champion"))
    if anchors is not None:
        checks.append(_paired_check(f"replay_vs_{ANCHORS}", diffs(ANCHORS), True, ANCHORS))
    table = {c.label: {name: r[i] for name, r in rows.items()} for i, c in enumerate(worlds)}
    return checks, table


def judge(checks: Sequence[Check], cfg: GateConfig) -> Verdict:
    return Verdict(tuple(checks), cfg.as_dict())


def log_verdict(verdict: Verdict, run_id: str, folder: Path, name: str = VERDICT_FILE) -> None:
    """The verdict (``gate.json``) and one 0/1 metric per check into the candidate's MLflow run."""
    import mlflow

    path = verdict.write(folder / name)
    with mlflow.start_run(run_id=run_id):
        mlflow.log_artifact(str(path))
        mlflow.log_metrics({f"gate_{c.name}": float(c.passed) for c in verdict.checks})
        mlflow.log_metric("gate_passed", float(verdict.passed))
