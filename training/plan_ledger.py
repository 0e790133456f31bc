"""The plan learner's decision log in the ledger: written by a simulated plan-logging history,
read back as the checkpoint log the plan model learns from.

A plan choice is a ``Recommendation`` whose ``body["plan"]`` says ``checkpoint: true``: the arm
chosen (``label``), when (``chosen_on``, ``created_at``), with what probability (``propensity``)
and, when the logger knew it, which arms it chose among (``available``). The scoring API writes
the same rows when it serves a plan champion or the plan-logging policy
(``serving/api/plans_in_force.py``, :mod:`policy.plan_logging`), so training
reads one table in simulation and in production.

:func:`simulate_plan_ledger` runs the uniform plan-logging policy (exact propensities) in a
simulated world and writes its history and its checkpoints to the ledger (``dunflow simulate
--logging plan``). :func:`ledger_checkpoints` reads them back: the state at each checkpoint from
the ledger's point-in-time plan state (:func:`features.plan_state.plan_state`, as the API reads
it, with the payment-time column out of fold: :mod:`training.plan_days_late`), and each debtor's
running totals on the creditor's objective (collected, contact cost, complaints, contacts) from
payments, contacts and outcomes strictly before it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from features import load_frames
from features.plan_state import EXPECTED_DAYS_LATE, PLAN_STATE_FEATURES, plan_state
from ledger.enums import OutcomeKind
from ledger.tables import (
    Contact,
    Invoice,
    Outcome,
    Payment,
    PaymentAllocation,
    Recommendation,
    plan_answer,
)
from policy.decision_path import LADDER_VERSION
from policy.plan_choice import Evidence
from policy.plan_clock import stage_of
from simulator.actions import ACTIONS, WAIT
from simulator.checkpoints import ARM_OF, ARMS, N_ARMS, arm_label
from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.ledger_rows import stage_of as sim_stage
from simulator.to_ledger import next_ids, write_history
from simulator.world import World
from training.plan_days_late import out_of_fold_days_late
from training.plan_policy import CheckpointLog, Chooser, PlanPolicy, uniform_chooser

LOGGING_VERSION = "plan-logging"
_NS = uuid.UUID("3a0d3f0e-5b8e-4b63-a3a4-6a1f5e0c2d71")
TOTALS = ("collected_eur", "cost_eur", "complaints", "contacts")  # simulator.debtor_history's


def simulate_plan_ledger(
    engine: Engine,
    seed: int,
    config: SimConfig,
    arms: NDArray[np.bool_] | None = None,
    chooser: Chooser = uniform_chooser,
) -> dict[str, int]:
    """Simulate ``config`` under a plan-logging policy (``chooser``: uniform by default, or
    :func:`training.plan_learner.targeted_logger`) and write its history and its checkpoints (one
    ``Recommendation`` each) to the ledger, and the ladder's answer on each day it decided for a
    debtor the chooser left to it (one ``Recommendation`` each, as the API stores the ladder's:
    model version ``ladder``, no plan, so :func:`ledger.tables.plan_answer` leaves it to the
    per-day trainer; that debtor's contacts carry the version ``ladder`` too); returns rows
    written per table."""
    world = World(seed, config)
    policy = PlanPolicy(world, chooser, LOGGING_VERSION, log=True, arms=arms)
    history = replace(simulate_history(seed, config, policy=policy), decision=None)
    with Session(engine) as s:
        ids = next_ids(s)
    counts = write_history(engine, history)
    assert policy.log is not None
    rows = _plan_rows(policy.log, history.world, ids, seed)
    laddered = policy.ladder_days()
    rows += _ladder_rows(laddered, history.world, ids, seed)
    # their contacts were the ladder's too (a simulated debtor never changes segment), as the
    # scheduler stamps a contact with its answer's model version
    ladder_ids = (ids["debtor"] + np.unique(laddered["debtor"])).tolist()
    with Session(engine) as s:
        for i in range(0, len(rows), 20_000):
            s.execute(sa.insert(Recommendation), rows[i : i + 20_000])
        for i in range(0, len(ladder_ids), 500):  # within any SQLite's bound-parameter limit
            theirs = col(Contact.debtor_id).in_(ladder_ids[i : i + 500])
            s.execute(sa.update(Contact).where(theirs).values(model_version=LADDER_VERSION))
        s.commit()
    counts["recommendation"] = len(rows)
    return counts


def _answer(world: World, ids: dict[str, int], key: str, day: int, debtor: int) -> dict[str, Any]:
    """A ``Recommendation`` row of ``debtor`` answered at 07:00 on ``day``, no action or model
    figures yet (id: uuid5 of ``key``)."""
    return {
        "id": str(uuid.uuid5(_NS, key)),
        "creditor_id": ids["creditor"] + int(world.pop.creditor[debtor]),
        "debtor_id": ids["debtor"] + int(debtor),
        "created_at": world.cal.local_time(day, 7).astimezone(UTC),
        "channel": None,
        "tone": None,
        "stage": None,
        "send_at": None,
        "expected_value_cents": 0,
        "p_pay": None,
        "degraded": False,
    }


def _plan_rows(log: CheckpointLog, world: World, ids: dict[str, int], seed: int) -> list[Any]:
    state, c = log.frame()
    cal = world.cal
    out = []
    for i, (day, debtor, arm, prop) in enumerate(
        zip(
            c["day"].tolist(),
            c["debtor"].tolist(),
            c["arm"].tolist(),
            c["propensity"].tolist(),
            strict=True,
        )
    ):
        available = np.flatnonzero(np.asarray(c["available"])[i]).tolist()
        row = _answer(world, ids, f"{seed}:{day}:{debtor}", day, debtor)
        row |= {
            "model_version": LOGGING_VERSION,
            "propensity": float(prop),
            "body": {
                "source": "simulator",
                "plan": {
                    "arm": int(arm),
                    "label": arm_label(int(arm)),
                    "checkpoint": True,
                    "chosen_on": cal.date_of(int(day)).isoformat(),
                    "dpd": int(state["dpd"].iloc[i]),
                    "propensity": float(prop),
                    "available": [arm_label(k) for k in available],
                },
            },
        }
        out.append(row)
    return out


def _ladder_rows(
    days: dict[str, NDArray[np.generic]], world: World, ids: dict[str, int], seed: int
) -> list[Any]:
    """The ladder's answers (:meth:`PlanPolicy.ladder_days`, waits included) as the API stores
    them: model version ``ladder``, degraded (no model answered), no plan."""
    out = []
    b2c = world.pop.b2c
    for day, debtor, action, prop, dpd in zip(
        days["day"].tolist(),
        days["debtor"].tolist(),
        days["action"].tolist(),
        days["propensity"].tolist(),
        days["dpd"].tolist(),
        strict=True,
    ):
        row = _answer(world, ids, f"{seed}:{day}:{debtor}:ladder", day, debtor)
        row |= {"model_version": LADDER_VERSION, "propensity": float(prop), "degraded": True,
                "body": {"source": "simulator", "plan": None}}  # fmt: skip
        if action != WAIT:
            a = ACTIONS[action]
            stage = sim_stage(dpd, bool(b2c[debtor]), a.channel, a.tone)
            row |= {"channel": a.channel.value, "tone": a.tone.value, "stage": stage.value,
                    "send_at": world.cal.local_time(day, a.hour).astimezone(UTC)}  # fmt: skip
        out.append(row)
    return out


@dataclass(frozen=True)
class LedgerCheckpoints:
    log: CheckpointLog
    debtor_ids: NDArray[np.int64]  # the ledger id of each log debtor index
    start: pd.Timestamp  # day 0 of the log (UTC midnight)
    creditor: str | None
    events: pd.DataFrame  # every debtor's events on the objective (:func:`_events`)

    def until(self, day: int) -> CheckpointLog:
        """The log as the ledger stood at the start of ``day``: the checkpoints before it and
        each debtor's totals then (a later checkpoint, payment or complaint is not known yet),
        so a checkpoint whose next one came later counts as one at the log's end."""
        log = self.log
        keep = [d < day for d in log.day]
        out = CheckpointLog(days=day)
        out.states = [s[k].reset_index(drop=True) for s, k in zip(log.states, keep, strict=True)]
        for name in ("debtor", "day", "arm", "propensity", "available", "totals"):
            parts = getattr(log, name)
            setattr(out, name, [p[k] for p, k in zip(parts, keep, strict=True)])
        at = pd.Series([self.start + pd.Timedelta(days=day)] * len(self.debtor_ids))
        out.final_totals = _totals(self.events, self.debtor_ids, at)
        return out


def _choices(engine: Engine, creditor_id: int | None) -> pd.DataFrame:
    q = sa.select(
        col(Recommendation.debtor_id), col(Recommendation.created_at), col(Recommendation.body)
    ).where(col(Recommendation.propensity) > 0, plan_answer())
    if creditor_id is not None:
        q = q.where(col(Recommendation.creditor_id) == creditor_id)
    rows = []
    with engine.connect() as conn:
        for debtor_id, created_at, body in conn.execute(q):
            plan = (body or {}).get("plan")
            if not plan or not plan.get("checkpoint"):
                continue
            label = plan["label"]
            if label not in ARM_OF:
                raise ValueError(f"debtor {debtor_id}: unknown plan {label!r} in the decision log")
            rows.append((int(debtor_id), pd.Timestamp(created_at), ARM_OF[label],
                         float(plan["propensity"]), plan.get("available")))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["debtor_id", "ts", "arm", "propensity", "available"])
    frame["as_of"] = frame["ts"].dt.tz_convert("UTC").dt.floor("D")
    # asked twice on one day, the later answer is the one in force
    return frame.sort_values("ts").drop_duplicates(["debtor_id", "as_of"], keep="last")


def _events(engine: Engine, debtors: list[int]) -> pd.DataFrame:
    """Every debtor's events on the objective: [debtor_id, ts, collected_eur, cost_eur,
    complaints, contacts] (ts: when it became known, UTC)."""
    with engine.connect() as conn:
        pay = conn.execute(
            sa.select(
                col(Invoice.debtor_id), col(Payment.paid_on), col(PaymentAllocation.amount_cents)
            )
            .join(Invoice, col(Invoice.id) == col(PaymentAllocation.invoice_id))
            .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
            .where(col(Invoice.debtor_id).in_(debtors))
        ).all()
        sent = conn.execute(
            sa.select(col(Contact.debtor_id), col(Contact.sent_at), col(Contact.cost_cents))
            .where(col(Contact.debtor_id).in_(debtors))
            .where(col(Contact.sent_at).is_not(None))
        ).all()
        bad = conn.execute(
            sa.select(col(Outcome.debtor_id), col(Outcome.occurred_at), sa.literal(1))
            .where(col(Outcome.debtor_id).in_(debtors))
            .where(col(Outcome.kind) == OutcomeKind.COMPLAINT.value)
        ).all()

    parts = []
    for rows, name, scale in ((pay, "collected_eur", 0.01), (sent, "cost_eur", 0.01),
                              (bad, "complaints", None)):  # fmt: skip
        f = pd.DataFrame(rows, columns=["debtor_id", "ts", "v"])
        part = pd.DataFrame({"debtor_id": f["debtor_id"], "ts": pd.to_datetime(f["ts"], utc=True)})
        for total in TOTALS:
            part[total] = 0.0
        part[name] = 1.0 if scale is None else f["v"].astype(float) * scale
        if name == "cost_eur":
            part["contacts"] = 1.0
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _totals(
    events: pd.DataFrame, debtor_id: NDArray[np.int64], as_of: pd.Series
) -> NDArray[np.float64]:
    """Per (debtor, as_of), the sum of each total over the debtor's events strictly before it."""
    out = np.zeros((len(debtor_id), len(TOTALS)))
    ev = events.sort_values("ts")
    groups = {int(str(d)): g for d, g in ev.groupby("debtor_id")}
    times = as_of.to_numpy()
    for i, d in enumerate(debtor_id.tolist()):
        g = groups.get(d)
        if g is None:
            continue
        k = np.searchsorted(g["ts"].to_numpy(), times[i], side="left")
        out[i] = g[list(TOTALS)].to_numpy()[:k].sum(axis=0)
    return out


def ledger_checkpoints(
    engine: Engine,
    creditor: str | None = None,
    creditor_id: int | None = None,
    days_late_folds: int = 0,
) -> LedgerCheckpoints:
    """The checkpoint log of the ledger's plan decisions (see the module's docstring); the
    payment-time column out of fold over ``days_late_folds`` groups of debtors
    (:mod:`training.plan_days_late`, e.g. its ``FOLDS``; 0, for a learner that does not read
    it: NaN)."""
    choices = _choices(engine, creditor_id)
    if choices.empty:
        raise ValueError("the ledger holds no plan decisions (Recommendation rows with a plan)")
    frames = load_frames(engine, creditor) if creditor else load_frames(engine)
    days_late = out_of_fold_days_late(frames, days_late_folds) if days_late_folds else None
    asked = choices[["debtor_id", "as_of"]].reset_index(drop=True)
    state = plan_state(frames, asked, days_late)
    state["stage"] = [stage_of(int(d)) for d in state["dpd"]]
    debtors = np.sort(choices["debtor_id"].unique())
    index = {int(d): i for i, d in enumerate(debtors)}
    start = choices["as_of"].min()
    end = choices["as_of"].max() + pd.Timedelta(days=1)
    events = _events(engine, debtors.tolist())
    d_ids = choices["debtor_id"].to_numpy(dtype=np.int64)
    totals = _totals(events, d_ids, choices["as_of"].reset_index(drop=True))
    final = _totals(events, debtors.astype(np.int64), pd.Series([end] * len(debtors)))
    avail = np.ones((len(choices), N_ARMS), dtype=bool)
    for i, names in enumerate(choices["available"].tolist()):
        if names:
            avail[i] = False
            avail[i, [ARM_OF[n] for n in names]] = True
    log = CheckpointLog(days=int((end - start).days))
    log.states = [state.reset_index(drop=True)]
    log.debtor = [np.array([index[int(d)] for d in d_ids], dtype=np.int64)]
    log.day = [((choices["as_of"] - start).dt.days).to_numpy(dtype=np.int64)]
    log.arm = [choices["arm"].to_numpy(dtype=np.int64)]
    log.propensity = [choices["propensity"].to_numpy(dtype=float)]
    log.available = [avail]
    log.totals = [totals]
    log.final_totals = final
    return LedgerCheckpoints(log, debtors.astype(np.int64), start, creditor, events)


LEDGER_COLUMN = {
    "promises_broken": "hist_n_promises_broken",
    "prior_paid": "hist_n_settled",
    "prior_mean_dpd": "hist_mean_pay_delay",
}
"""The ledger plan state's column for a simulator state column an anchored learner's evidence
reads (:class:`policy.plan_choice.Evidence`): the promises whose deadline passed unpaid, the
earlier invoices paid, their mean days past the due date at payment (negative: paid before it)."""


LEDGER_AMOUNT = ("log_overdue_eur", "overdue_amount")
"""The simulator state's amount overdue (log1p of EUR) and the ledger plan state's (EUR), which a
margin that grows with the amount reads (``Evidence.margin_share``)."""


def ledger_evidence(evidence: Evidence | None) -> Evidence | None:
    """``evidence`` reading the ledger's plan state instead of the simulator's (every rule)."""
    if evidence is None:
        return evidence
    if isinstance(evidence.then, tuple):  # indexed by the simulator's segment codes
        raise ValueError(
            "evidence then: one escalation plan per segment reads the simulator's segment codes; "
            "a ledger's segments are named, give one plan"
        )

    def ledger(column: str) -> str:
        if column in PLAN_STATE_FEATURES:
            return column
        if column not in LEDGER_COLUMN:
            raise ValueError(
                f"evidence column {column!r}: no ledger plan-state equivalent "
                f"(known: {sorted(LEDGER_COLUMN)})"
            )
        return LEDGER_COLUMN[column]

    also = tuple((ledger(c), a) for c, a in evidence.also)
    against = tuple((ledger(c), op, v) for c, op, v in evidence.against)
    known = tuple((ledger(c), op, v) for c, op, v in evidence.known)
    amount, amount_log = evidence.amount, evidence.amount_log
    if evidence.margin_share > 0:
        amount, amount_log = (
            (LEDGER_AMOUNT[1], False)
            if amount == LEDGER_AMOUNT[0]
            else (ledger(amount), amount_log)
        )
    return replace(
        evidence,
        column=ledger(evidence.column),
        also=also,
        against=against,
        known=known,
        amount=amount,
        amount_log=amount_log,
    )


def state_columns(
    log: CheckpointLog, payment_time: bool = True
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The plan state's feature columns and which of them are categorical; without
    ``payment_time`` (a learner that does not read it, ``LearnerConfig.payment_time``) not the
    payment-time model's column."""
    state = log.states[0]
    names = tuple(c for c in PLAN_STATE_FEATURES if payment_time or c != EXPECTED_DAYS_LATE)
    cats = tuple(c for c in names if isinstance(state[c].dtype, pd.CategoricalDtype))
    return names, cats


__all__ = ["ARMS", "LEDGER_COLUMN", "LOGGING_VERSION", "LedgerCheckpoints", "ledger_checkpoints",
           "ledger_evidence", "simulate_plan_ledger", "state_columns"]  # fmt: skip
