"""The plan-logging policy: a creditor's own segment plans, served with targeted exploration and
exact propensities, so a ledger gathers the plan decisions the plan learner needs without a model.

A creditor with no plan model cannot log plan choices by serving one; this policy is what it serves
instead. It is a :class:`policy.plan_pyfunc.PlanDunningPolicy` without a plan model (registered
and loaded like a plan champion, its plans in force read back from the decision log the same way)
and it decides through the same branch of :func:`policy.decision_path.decide_for`.

At each checkpoint a debtor whose segment states a plan (``Segment.plan``, read into
``DebtorState.segment_plan``) gets

* that plan with probability ``1 - epsilon``, and otherwise
* one of its **neighbours**, uniformly among those the debtor can be reached by (its anchor is
  the segment's plan, or, once the debtor's own history shows the plan learner's ``evidence``,
  e.g. a broken promise, the learner's escalation plan, by the learner's own rule
  :meth:`policy.plan_choice.Evidence.defaults`, which ``PlanDunningPolicy.anchors`` applies too;
  the segment's plan is then one of the neighbours): the same channel
  and tone at the next shorter and the next longer cadence of the grid (:data:`ledger.plans
  .CADENCES`), the same channel and cadence one tone softer and one tone firmer, the
  ``escalation`` plan (the learner's, e.g. a firm letter every 14 days after a broken promise),
  the learner's ``extra`` plans, and waiting until the next checkpoint.

The anchor is what the anchored learner (:data:`training.plan_learner.CHOSEN`) keeps unless
another plan beats it by its margin, so logging it with ``1 - epsilon`` keeps the log's decisions
where that learner chooses: its off-policy estimate then has many effective decisions. With the
evidence the policy reads the debtor's plan state rows (``features.plan_state``: the API's and
the batch engine's snapshot, the evidence's ledger column); without it none.

So each neighbour has ``epsilon / len(neighbours)`` (the propensity floor: with the learner's
escalation plan and one extra plan at most 7 neighbours, so at least ``epsilon / 7``), the stated
plan ``1 - epsilon``, and the logged propensity is the
exact chance of what was chosen; the arms it chose among (the stated plan and its reachable
neighbours) are logged with it. Exploring near the stated plan, rather than uniformly over 61 arms,
keeps the log's decisions where an anchored learner (:data:`training.plan_learner.CHOSEN`: the
segment's plan unless another beats it by a margin) will choose, so its off-policy estimate has
many effective decisions. When the stated plan's channel cannot reach the debtor, a neighbour is
chosen uniformly (each ``1 / n``; waiting always can).

A debtor whose segment states no plan, or who is in no segment, keeps the **ladder**: its answer is
the ladder's (model version ``ladder``, no plan), so it enters no checkpoint log until its
segment has a plan. Which debtors are served so is the creditor's to say on the Segments page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ledger.enums import Channel, Tone
from ledger.plans import ARM_LABELS, CADENCES, PLAN_TONES, WAIT_LABEL, plan_label
from policy.plan_choice import Choice, Evidence
from policy.plan_pyfunc import Plan, PlanDunningPolicy, _evidence_counts

LOGGING_CONFIG_FILE = "plan_logging.json"
F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]


def grid_arms() -> list[Plan]:
    """The arms of :data:`ledger.plans.ARM_LABELS`, in their order (the last waits)."""
    out = []
    for label in ARM_LABELS:
        if label == WAIT_LABEL:
            out.append(Plan(None, None, 0))
        else:
            channel, tone, every = label.split("/")
            out.append(Plan(Channel(channel), Tone(tone), int(every.removesuffix("d"))))
    return out


LOGGING_EPSILON = 0.2
"""The chance of a neighbouring plan a creditor serves by default (``dunflow train policy --kind
plan-logging --epsilon``): what it pays to keep its log fit for a plan model."""


class PlanLoggingPolicy(PlanDunningPolicy):
    """The segment plans with targeted exploration (see the module's docstring); no model."""

    def __init__(
        self,
        epsilon: float = LOGGING_EPSILON,
        escalation: str | None = None,
        extra: Sequence[str] = (),
        evidence: Evidence | None = None,
    ) -> None:
        """``escalation``, ``extra``: the learner's plans explored besides the neighbours;
        ``evidence``: the learner's rule for anchoring a debtor on its escalation plan instead of
        its segment's (its ``then``; the columns it reads must be in the state rows)."""
        super().__init__(model=None, state_source="ledger", evidence=evidence)
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError("the plan-logging policy needs 0 <= epsilon <= 1")
        for label in (escalation, *extra):
            if label is not None and label not in ARM_LABELS:
                raise ValueError(f"{label!r} is not a plan of the grid (ledger.plans)")
        self.epsilon, self.escalation, self.extra = epsilon, escalation, tuple(extra)

    @cached_property
    def arms(self) -> list[Plan]:
        return grid_arms()

    def arm_mask(self) -> B:
        return np.ones(len(ARM_LABELS), dtype=bool)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {label: k for k, label in enumerate(ARM_LABELS)}

    @property
    def reads_state(self) -> bool:
        """Whether it needs the debtors' plan state rows (its evidence's columns)."""
        return self.evidence is not None

    def anchored(self, stated: I, rows: pd.DataFrame | None) -> I:
        """Per row its anchor: the stated arm, or the evidence's escalation plan where the row's
        state shows the evidence (the plan learner's rule, :meth:`Evidence.defaults`)."""
        if self.evidence is None:
            return stated
        if rows is None:
            raise ValueError("the plan-logging policy's evidence needs the debtors' state rows")
        return self.evidence.defaults(_evidence_counts(self.evidence, rows), stated)

    def stated_arm(self, plan: str | None) -> int:
        """The arm of a segment's stated plan (-1: none, or one off the grid)."""
        return -1 if plan is None else self._index.get(plan, -1)

    def neighbours(self, arm: int) -> tuple[int, ...]:
        """The arms explored around the stated plan ``arm`` (never itself), in arm order."""
        plan = self.arms[arm]
        assert plan.channel is not None
        assert plan.tone is not None
        channel, tone = plan.channel.value, plan.tone
        near: list[str] = []
        at = CADENCES.index(plan.every)
        near += [plan_label(channel, tone.value, CADENCES[c]) for c in (at - 1, at + 1)
                 if 0 <= c < len(CADENCES)]  # fmt: skip
        t = PLAN_TONES.index(tone)
        near += [plan_label(channel, PLAN_TONES[s].value, plan.every) for s in (t - 1, t + 1)
                 if 0 <= s < len(PLAN_TONES)]  # fmt: skip
        near += [x for x in (self.escalation, *self.extra) if x is not None]
        near.append(WAIT_LABEL)
        return tuple(sorted({self._index[x] for x in near} - {arm}))

    def choose(
        self, stated: I, available: B, rng: np.random.Generator | Any, anchor: I | None = None
    ) -> tuple[Choice, B]:
        """Per row its anchor (``anchor``, default ``stated``: the segment's plan) or a neighbour
        of it (the segment's plan is one when the anchor is not); the exact propensity of what
        was chosen, and per row the arms it chose among (the anchor when it is available, its
        available neighbours)."""
        n = len(stated)
        own_plan = stated
        stated = own_plan if anchor is None else anchor
        among = np.zeros((n, len(ARM_LABELS)), dtype=bool)
        for i, arm in enumerate(stated):
            among[i, list(self.neighbours(int(arm)))] = True
        among[np.arange(n), own_plan] = True  # the segment's plan, when escalated from it
        among &= available
        own = available[np.arange(n), stated]
        among[np.arange(n), stated] = own
        k = among.sum(axis=1) - own  # the neighbours one can explore (waiting: at least one)
        explore = (rng.random(n) < self.epsilon) | ~own
        pick = np.minimum((rng.random(n) * k).astype(np.int64), k - 1)
        others = among.copy()
        others[np.arange(n), stated] = False
        order = np.argsort(~others, axis=1, kind="stable")  # each row's neighbours first
        arm = np.where(explore, order[np.arange(n), pick], stated).astype(np.int64)
        share = np.where(own, self.epsilon, 1.0) / k
        prop = np.where(own & (arm == stated), 1.0 - self.epsilon, share)
        runner = order[:, 0].astype(np.int64)  # its first neighbour: no value ranks them
        return Choice(arm, prop, np.where(own, stated, arm).astype(np.int64), runner), among

    def reason(self, arm: int, stated: int, propensity: float, lang: str, anchor: int = -1) -> str:
        """Why this plan, in the client's language: the segment's, the escalation after the
        debtor's own history, or a neighbour tried."""
        label, own = ARM_LABELS[arm], ARM_LABELS[stated]
        if arm == anchor != stated:
            if lang == "nl":
                return (f"plan {label}: het escalatieplan na een gebroken belofte, in plaats van "
                        f"het segmentplan {own} (kans {propensity:.0%})")  # fmt: skip
            return (f"plan {label}: the escalation plan after a broken promise, instead of the "
                    f"segment's plan {own} (chance {propensity:.0%})")  # fmt: skip
        if arm == stated:
            if lang == "nl":
                return f"plan {label}: het plan van het segment (kans {propensity:.0%})"
            return f"plan {label}: the segment's plan (chance {propensity:.0%})"
        chance = f"{propensity:.0%}"
        if lang == "nl":
            return (f"plan {label}: geprobeerd naast het segmentplan {own} (kans {chance}), "
                    "zodat een model kan leren wat het oplevert")  # fmt: skip
        return (f"plan {label}: tried beside the segment's plan {own} (chance {chance}), "
                "so that a model can learn what it brings")  # fmt: skip

    def save_artifacts(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        config = {"epsilon": self.epsilon, "escalation": self.escalation, "extra": list(self.extra),
                  "evidence": None if self.evidence is None else asdict(self.evidence)}  # fmt: skip
        (folder / LOGGING_CONFIG_FILE).write_text(json.dumps(config, indent=2))
        return folder

    @classmethod
    def load(cls, folder: Path) -> PlanLoggingPolicy:
        c = json.loads((folder / LOGGING_CONFIG_FILE).read_text())
        evidence = None if c.get("evidence") is None else Evidence(**c["evidence"])
        return cls(float(c["epsilon"]), c.get("escalation"), tuple(c.get("extra", ())), evidence)

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Per row (a column ``plan``: the segment's stated plan), the plans it explores and their
        chances: what ``mlflow models serve`` answers; it never draws."""
        out = []
        for plan in model_input["plan"].tolist():
            arm = self.stated_arm(None if plan is None else str(plan))
            if arm < 0:
                out.append({"plan": plan, "served": "ladder", "neighbours": []})
                continue
            near = [ARM_LABELS[k] for k in self.neighbours(arm)]
            out.append({"plan": plan, "served": "plan", "keep": 1.0 - self.epsilon,
                        "neighbours": near, "floor": self.epsilon / len(near)})  # fmt: skip
        return pd.DataFrame(out)
