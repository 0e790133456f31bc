"""The plan learner as an MLflow pyfunc model: the plan value model, the creditor's objective with
its multiplier, the exploration, and the names of the arms' channel and tone codes.

It is to the plan learner what :class:`policy.pyfunc.DunningPolicy` is to the per-day policy: the
one artifact the registry holds, the scoring API and the scheduler load, and
:func:`policy.decision_path.decide_for` decides with. ``predict`` (what ``mlflow models serve``
exposes) takes checkpoint state rows (the model's ``state_features``, with ``segment`` and the
evidence columns when anchored) and returns, per row, the best of its plans ranked by ``scores``
as the decision path ranks them (anchored on the segment's plan when the policy is) and its
expected parts; it never explores. What a row is anchored on is said in one place,
``PlanDunningPolicy.anchors``: its segment's plan, a first-stage plan while the oldest claim is in
the first stage, an escalation plan once its own history shows the evidence. The boosters are
stored in LightGBM's own text format beside a JSON file with everything else.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel
from numpy.typing import NDArray

from features.plan_state import segment_keys
from ledger.channels import CHANNELS
from ledger.checkpoints import STAGE_DPD
from ledger.enums import Channel, Tone
from ledger.plans import WAIT_LABEL, plan_label
from policy.flow_state import TONE_ORDER
from policy.plan_choice import (
    Condition,
    Evidence,
    Move,
    PlanObjective,
    TopK,
    all_hold,
    anchored,
    conditions,
    moves_only,
    reachable_anchor,
)
from policy.plan_model import ARM_COLUMNS, COMPONENTS, PlanModelParams, PlanValueModel

CONFIG_FILE = "plan_policy.json"
CHANNEL_NAMES: tuple[str, ...] = tuple(f.channel.value for f in CHANNELS)  # arm code order
TONE_NAMES: tuple[str, ...] = tuple(t.value for t in TONE_ORDER)


@dataclass(frozen=True)
class Plan:
    """One arm in the ledger's terms: a channel, a tone and a cadence (``None`` channel: wait)."""

    channel: Channel | None
    tone: Tone | None
    every: int

    @property
    def label(self) -> str:
        if self.channel is None:
            return WAIT_LABEL
        return plan_label(self.channel.value, self.tone.value if self.tone else "-", self.every)


class PlanDunningPolicy(PythonModel):
    def __init__(
        self,
        model: PlanValueModel | None = None,
        objective: PlanObjective | None = None,
        exploration: TopK | None = None,
        channels: tuple[str, ...] = CHANNEL_NAMES,
        tones: tuple[str, ...] = TONE_NAMES,
        allowed_arms: tuple[int, ...] | None = None,
        state_source: str = "simulator",
        segment_defaults: tuple[int, ...] | None = None,
        margin_eur: float = 0.0,
        evidence: Evidence | None = None,
        segment_names: tuple[str, ...] | None = None,
        segments_by_creditor: bool = False,
        first_stage_defaults: tuple[int, ...] | None = None,
        first_stage_unless: tuple[Condition, ...] = (),
        moves: frozenset[Move] | None = None,
        letter_fallback: bool = False,
    ) -> None:
        """``channels``/``tones``: the names of the arm table's codes, in code order;
        ``allowed_arms``: the arms it may choose (None: every arm of the model);
        ``state_source``: whose state rows it reads, ``simulator`` (replay's
        ``simulator.debtor_history``) or ``ledger`` (``features.plan_state``);
        ``segment_defaults``: the creditor's arm per observable segment (the state's ``segment``
        code), kept unless another beats it by more than ``margin_eur``
        (:func:`policy.plan_choice.anchored`; None: the model alone decides); ``evidence``: when
        a debtor's own history lets it leave that plan (:class:`policy.plan_choice.Evidence`);
        ``segment_names``: the segments ``segment_defaults`` is indexed by, when the state's
        ``segment`` is a name (the ledger's) rather than the simulator's code;
        ``segments_by_creditor``: those names are the creditor's own segments
        (:func:`features.plan_state.segment_keys`), not names shared by every creditor;
        ``first_stage_defaults``: per anchored segment, the arm it is anchored on while the oldest
        claim is in the first stage (before ``STAGE_DPD[1]`` days past due; -1: the segment's
        plan), a cheaper first plan before the segment's usual one (:meth:`anchors`);
        ``first_stage_unless``: conditions on the state that, when all hold, keep the segment's
        plan in the first stage too (e.g. earlier invoices paid on time: an accounts-payable
        department's history, whom the first-stage plan would not move); ``moves``: when given,
        the only (segment index, anchor, arm) moves off an anchor it may make, those the
        creditor's own log showed to pay (``training.plan_moves``; None: any the margin allows);
        ``letter_fallback``: where the anchor's channel cannot reach the debtor, the anchor is the
        same plan by letter (same tone and cadence, when it is one of the policy's plans), as a
        fixed plan runs (:func:`policy.plan_choice.reachable_anchor`), not whatever the model
        ranks first."""
        self.model = model
        self.objective = objective or PlanObjective()
        self.exploration = exploration or TopK()
        self.channels, self.tones = channels, tones
        self.allowed_arms = allowed_arms
        self.state_source = state_source
        self.segment_defaults, self.margin_eur = segment_defaults, margin_eur
        self.evidence = evidence
        self.segment_names = segment_names
        self.segments_by_creditor = segments_by_creditor
        self.first_stage_defaults = first_stage_defaults
        self.first_stage_unless = conditions(first_stage_unless, "first stage unless")
        self.moves = moves
        self.letter_fallback = letter_fallback

    @cached_property
    def arms(self) -> list[Plan]:
        if self.model is None:
            raise ValueError("plan policy not loaded")
        out = []
        for _, row in self.model.arms.iterrows():
            if int(row["plan_wait"]):
                out.append(Plan(None, None, 0))
            else:
                out.append(
                    Plan(
                        Channel(self.channels[int(row["plan_channel"])]),
                        Tone(self.tones[int(row["plan_tone"])]),
                        int(row["plan_every"]),
                    )
                )
        return out

    def arm_mask(self) -> np.ndarray:
        """Which arms the policy may choose (its configuration's, e.g. weekly plans only)."""
        assert self.model is not None
        mask = np.zeros(self.model.n_arms, dtype=bool)
        mask[list(self.allowed_arms) if self.allowed_arms is not None else slice(None)] = True
        return mask

    def scored_arms(self) -> list[int]:
        """The arms a choice scores: the policy's own (:meth:`arm_mask`)."""
        return [int(k) for k in np.flatnonzero(self.arm_mask())]

    def default_arms(self, rows: pd.DataFrame) -> NDArray[np.int64] | None:
        """Per state row, the arm of its segment's plan at the row's stage, before any evidence
        (-1: a segment without one; None: not anchored)."""
        if self.segment_defaults is None:
            return None
        return self._defaults_at(self.segment_index(rows), rows)

    def _defaults_at(self, at: NDArray[np.int64], rows: pd.DataFrame) -> NDArray[np.int64]:
        """The segment plans' arms at segment indices ``at`` (-1: none), the first-stage plan
        where the segment has one and the row's oldest claim is in the first stage."""
        assert self.segment_defaults is not None
        defaults = np.asarray(self.segment_defaults, dtype=np.int64)
        out = np.where(at >= 0, defaults[np.maximum(at, 0)], -1)
        first: tuple[int, ...] | None = getattr(self, "first_stage_defaults", None)  # saved before
        if first is None:
            return out
        if "dpd" not in rows.columns:
            raise ValueError("a first-stage anchor needs the state rows' dpd")
        staged = np.where(at >= 0, np.asarray(first, dtype=np.int64)[np.maximum(at, 0)], -1)
        early = rows["dpd"].to_numpy(dtype=float) < STAGE_DPD[1]
        unless: tuple[Condition, ...] = getattr(self, "first_stage_unless", ())
        if unless:
            early &= ~all_hold(unless, _state_columns(rows, [c for c, _, _ in unless]))
        return np.where(early & (staged >= 0) & (out >= 0), staged, out)

    def anchors(self, rows: pd.DataFrame) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Per state row the arm it is anchored on and the margin another arm must beat it by:
        the one place that says what a row's anchor is, from its segment, its stage (the
        first-stage plan, when the segment has one) and its evidence (the escalation plan, when
        the evidence names one; the margin without evidence). Only for an anchored policy."""
        if self.segment_defaults is None:
            raise ValueError("the policy is not anchored")
        at = self.segment_index(rows)  # once: by name it is a lookup per row
        default = self._defaults_at(at, rows)
        evidence: Evidence | None = getattr(self, "evidence", None)  # None: saved before it
        if evidence is None:
            return default, np.full(len(rows), float(self.margin_eur))
        counts = _evidence_counts(evidence, rows)
        return evidence.defaults(counts, default, at), evidence.margins(counts, self.margin_eur)

    def segment_index(self, rows: pd.DataFrame) -> NDArray[np.int64]:
        """Per state row, the index of its segment among the anchored ones (-1: none)."""
        assert self.segment_defaults is not None
        names: tuple[str, ...] | None = getattr(self, "segment_names", None)  # saved before it
        if names is None:  # the simulator's segment codes; a code past the stated ones has none
            at = rows["segment"].to_numpy(dtype=np.int64)
            return np.where((at >= 0) & (at < len(self.segment_defaults)), at, -1)
        index = {name: i for i, name in enumerate(names)}
        keys = (
            segment_keys(rows)
            if getattr(self, "segments_by_creditor", False)  # saved before it: shared names
            else rows["segment"].astype("str").tolist()
        )
        return np.array([index.get(k, -1) for k in keys], dtype=np.int64)

    @cached_property
    def fallback_arms(self) -> NDArray[np.int64]:
        """Per arm, the same plan by letter (same tone and cadence) among the policy's arms (-1:
        none, or the arm is a letter or waiting)."""
        mask = self.arm_mask()
        index = {p: k for k, p in enumerate(self.arms) if mask[k]}
        out = np.full(len(self.arms), -1, dtype=np.int64)
        for k, p in enumerate(self.arms):
            if p.channel is not None and p.channel != Channel.LETTER:
                out[k] = index.get(Plan(Channel.LETTER, p.tone, p.every), -1)
        return out

    def scores(
        self,
        rows: pd.DataFrame,
        parts: NDArray[np.float64],
        anchors: tuple[NDArray[np.int64], NDArray[np.float64]] | None = None,
        available: NDArray[np.bool_] | None = None,
    ) -> NDArray[np.float64]:
        """Each plan's score on the policy's objective, the segment's plan raised by the anchoring
        margin when the policy is anchored: what every path ranks (the decision path, ``predict``
        behind ``mlflow models serve``, the gate's hold-out). ``anchors``: :meth:`anchors` of
        ``rows``, when the caller made them with its table; ``available``: per row the plans
        that can reach the debtor, for the letter fallback (``letter_fallback``)."""
        scores = self.objective.score(parts)
        if getattr(self, "segment_defaults", None) is None:  # None in policies saved before it
            return scores
        default, margin = anchors if anchors is not None else self.anchors(rows)
        if getattr(self, "letter_fallback", False) and available is not None:
            default = reachable_anchor(default, available, self.fallback_arms)
        out = anchored(scores, default, margin)
        moves: frozenset[Move] | None = getattr(self, "moves", None)  # None: saved before it
        if moves is None:
            return out
        return moves_only(out, default, self.segment_index(rows), moves)

    def save_artifacts(self, folder: Path) -> Path:
        m = self.model
        if m is None:
            raise ValueError("no plan model to save")
        folder.mkdir(parents=True, exist_ok=True)
        for kind, boosters in (("plan", m.boosters), ("baseline", m.baselines)):
            for name, booster in boosters.items():
                booster.save_model(str(folder / f"{kind}_{name}.txt"))
        config = {
            "arms": m.arms[list(ARM_COLUMNS)].astype(int).values.tolist(),
            "state_features": list(m.state_features),
            "categorical": list(m.categorical),
            "params": asdict(m.params),
            "per_euro_of": m.per_euro_of,
            "baselines": sorted(m.baselines),
            "objective": asdict(self.objective),
            "exploration": asdict(self.exploration),
            "channels": list(self.channels),
            "tones": list(self.tones),
            "allowed_arms": None if self.allowed_arms is None else list(self.allowed_arms),
            "state_source": self.state_source,
            "segment_defaults": (
                None if self.segment_defaults is None else list(self.segment_defaults)
            ),
            "margin_eur": self.margin_eur,
            "evidence": None if self.evidence is None else asdict(self.evidence),
            "segment_names": None if self.segment_names is None else list(self.segment_names),
            "segments_by_creditor": self.segments_by_creditor,
            "first_stage_defaults": (
                None if self.first_stage_defaults is None else list(self.first_stage_defaults)
            ),
            "first_stage_unless": [list(c) for c in self.first_stage_unless],
            "moves": None if self.moves is None else sorted(list(m) for m in self.moves),
            "letter_fallback": self.letter_fallback,
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
        return folder

    @classmethod
    def load(cls, folder: Path) -> PlanDunningPolicy:
        c = json.loads((folder / CONFIG_FILE).read_text())
        model = PlanValueModel(
            pd.DataFrame(c["arms"], columns=list(ARM_COLUMNS)),
            tuple(c["state_features"]),
            tuple(c["categorical"]),
            PlanModelParams(**c["params"]),
            c["per_euro_of"],
        )
        for name in COMPONENTS:
            model.boosters[name] = lgb.Booster(model_file=str(folder / f"plan_{name}.txt"))
        for name in c["baselines"]:
            model.baselines[name] = lgb.Booster(model_file=str(folder / f"baseline_{name}.txt"))
        allowed = c["allowed_arms"]
        return cls(
            model,
            PlanObjective(**c["objective"]),
            TopK(**c["exploration"]),
            tuple(c["channels"]),
            tuple(c["tones"]),
            None if allowed is None else tuple(allowed),
            c.get("state_source", "simulator"),
            None if c.get("segment_defaults") is None else tuple(c["segment_defaults"]),
            float(c.get("margin_eur", 0.0)),
            None if c.get("evidence") is None else Evidence(**c["evidence"]),
            None if c.get("segment_names") is None else tuple(c["segment_names"]),
            bool(c.get("segments_by_creditor", False)),
            None if c.get("first_stage_defaults") is None else tuple(c["first_stage_defaults"]),
            conditions(c.get("first_stage_unless", []), "first stage unless"),
            None if c.get("moves") is None else frozenset(tuple(m) for m in c["moves"]),
            bool(c.get("letter_fallback", False)),
        )

    def load_context(self, context: Any) -> None:
        loaded = self.load(Path(context.artifacts["policy"]))
        self.__dict__.update(loaded.__dict__)

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Per state row, the best allowed plan (greedy, anchored as the decision path is) and its
        expected parts."""
        if self.model is None:
            raise ValueError("plan policy not loaded")
        rows = model_input.reset_index(drop=True)
        ledger = self.state_source == "ledger"
        for column in self.model.categorical:  # JSON (mlflow models serve) has no category dtype
            # the ledger's categories are text (a creditor id too, which JSON reads as a number);
            # the simulator's integer codes stay codes, as trained
            if column in rows and not isinstance(rows[column].dtype, pd.CategoricalDtype):
                if ledger:
                    rows[column] = rows[column].astype("str").astype("category")
                elif pd.api.types.is_string_dtype(rows[column]):
                    rows[column] = rows[column].astype("category")
        parts = self.model.predict(rows)
        score = np.where(self.arm_mask()[None, :], self.scores(rows, parts), -np.inf)
        best = np.argmax(score, axis=1)
        chosen = parts[np.arange(len(best)), best]
        labels = [p.label for p in self.arms]
        out = pd.DataFrame(chosen, columns=list(COMPONENTS))
        out.insert(0, "value_eur", self.objective.value(chosen))
        out.insert(0, "plan", [labels[k] for k in best])
        out.insert(0, "arm", best)
        return out


def _evidence_counts(evidence: Evidence, rows: pd.DataFrame) -> NDArray[np.float64]:
    """The state columns the evidence reads, [row, rule]."""
    return _state_columns(rows, list(evidence.columns))


def _state_columns(rows: pd.DataFrame, columns: list[str]) -> NDArray[np.float64]:
    """The state ``columns`` an anchor reads, [row, column], each one named when missing."""
    for column in columns:
        if column not in rows.columns:
            raise ValueError(f"the anchor's column {column!r} is not in the state rows")
    # column by column: selecting a sub-frame of a row of mixed dtypes cost ~0.2 ms per call
    return np.column_stack([rows[c].to_numpy(dtype=float) for c in columns])
