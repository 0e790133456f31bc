"""One bucket of one day: the pandas code both engines run, unchanged, per bucket of debtors.

:func:`population_part` gives the bucket's share of each creditor's pooled response counts (they
add up over buckets); :func:`decide_bucket` then decides for the bucket's debtors exactly as the
daily cycle and the scoring API would: per creditor at its cycle moment, the cycle's candidates
(:func:`serving.scheduler.candidates.candidates`), their flow states, features as of the day
(pooled over the whole creditor through the summed population), and
:func:`policy.decision_path.decide_for`; a plan champion's plans in force come from the bucket's
exported decision log (:func:`serving.api.plans_in_force.plan_situations`, as in the API) and its
state rows from the same features (:meth:`serving.api.snapshots.FeatureSnapshots.plan_rows`), the
payment-time column from the model the driver pinned (:func:`batch.champion.days_late_for`).
Each output row is one recommendation in the form the API stores, plus the outbox contact it
plans when the action is for the cycle's own day. Recommendation ids derive from (creditor, day,
debtor, model version): a rerun gives the same ids.
"""

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlmodel import Session, col, select

from batch.ledger_rows import ledger_of
from features.debtor_history import population
from features.loading import LedgerFrames, Population, frames_from_tables
from features.plan_state import DaysLatePredictor
from ledger.tables import Creditor, Debtor
from policy import states_from_ledger
from policy.decision_path import LADDER_VERSION, Answer, Pinned, Situation, decide_for
from policy.flow_state import DebtorState
from policy.plan_pyfunc import PlanDunningPolicy
from serving.api.plans_in_force import plan_situations
from serving.api.recommender import DebtorContext, answer_out, recommendation_row
from serving.api.snapshots import FeatureSnapshots
from serving.scheduler.candidates import candidates
from serving.scheduler.outbox import idempotency_key

Rows = Mapping[str, Iterable[Mapping[str, Any]]]
ID_SPACE = uuid.UUID("5f0c2d64-8d1e-4c55-9a53-0b6c7e0f9b21")  # dunflow's batch recommendations
# one output row per decided debtor: the stored recommendation, then the planned contact (if any);
# times travel as ISO text so no engine reads them in its own zone
OUT_COLUMNS: dict[str, str] = {
    "id": "string",
    "creditor_id": "long",
    "debtor_id": "long",
    "created_at": "string",
    "model_version": "string",
    "channel": "string",
    "tone": "string",
    "stage": "string",
    "send_at": "string",
    "expected_value_cents": "long",
    "p_pay": "double",
    "propensity": "double",
    "degraded": "boolean",
    "body": "string",
    "contact_key": "string",
    "contact_template": "string",
    "contact_invoice_ids": "string",
    "contact_cost_cents": "long",
    "refusal": "string",  # why the creditor's limits refused the contact (batch.limits), JSON
}


def recommendation_id(creditor_id: int, day: date, debtor_id: int, version: str) -> str:
    return str(uuid.uuid5(ID_SPACE, f"{creditor_id}/{day.isoformat()}/{debtor_id}/{version}"))


def day_as_of(day: date) -> pd.Timestamp:
    """The features' moment: the start of the day (UTC), as the API's snapshots take it."""
    return pd.Timestamp(day, tz="UTC")


@dataclass(frozen=True)
class Bucket:
    """One bucket of debtors: the rows the rules read (table name -> rows, at least
    :data:`batch.ledger_rows.STATE_TABLES`; they fill the private SQLite ledger) and the frames
    the features read, built once from all its tables."""

    rows: Rows
    frames: LedgerFrames

    @classmethod
    def of_rows(cls, rows: Rows) -> "Bucket":
        """From row dicts: the frames are what ``features.load_frames`` gives from the same rows
        in a database."""
        listed = {name: list(r) for name, r in rows.items()}
        return cls(listed, frames_from_tables({n: pd.DataFrame(r) for n, r in listed.items()}))


def plans(pinned: Pinned | None) -> bool:
    """Whether the champion is a learned plan policy (it reads the decision log)."""
    return pinned is not None and pinned.learned and isinstance(pinned.policy, PlanDunningPolicy)


def population_part(bucket: Bucket, day: date) -> Population:
    return population(bucket.frames, day_as_of(day))


def decide_bucket(
    bucket: Bucket,
    day: date,
    pinned: Pinned | None,
    pooled: Population,
    *,
    seed: int,
    cycle_time: time,
    days_late: DaysLatePredictor | None = None,
) -> pd.DataFrame:
    """The bucket's decisions for ``day`` (one row per decided debtor, :data:`OUT_COLUMNS`);
    ``days_late``: a plan champion's payment-time model (None: that state column is NaN)."""
    engine = ledger_of(bucket.rows)
    out: list[dict[str, Any]] = []
    features: pd.DataFrame | None = None  # the whole bucket's rows as of the day, built once
    plan_rows: pd.DataFrame | None = None  # with a plan champion: its state rows, built once
    with Session(engine) as session:
        creditors = session.exec(select(Creditor).order_by(col(Creditor.id))).all()
        for creditor in creditors:
            zone = ZoneInfo(creditor.timezone)
            now = datetime.combine(day, cycle_time, tzinfo=zone)
            assert creditor.id is not None
            ids = candidates(session, creditor.id, day, now)
            if not ids:
                continue
            base = None
            if pinned is not None and pinned.learned:
                as_of = FeatureSnapshots.day_start(now)
                if as_of != pooled.as_of:
                    raise ValueError(
                        f"creditor {creditor.name}: its cycle at {now.isoformat()} reads features"
                        f" as of {as_of}, the batch's are as of {pooled.as_of}"
                    )
                frames = replace(bucket.frames, population=pooled)
                if features is None:
                    features = FeatureSnapshots.build(frames, as_of)
                base = features.loc[ids]
                if plans(pinned) and plan_rows is None:
                    plan_rows = FeatureSnapshots.plan_rows(frames, features, as_of, days_late)
            states = states_from_ledger(session, ids, now)
            asked: Mapping[int, DebtorState] | list[Situation] = states
            if plans(pinned):
                assert pinned is not None
                assert plan_rows is not None
                # the plans in force from the exported decision log; state rows for the rest
                asked = plan_situations(session.connection(), states, pinned.version, now, zone)
                base = plan_rows.loc[[c.debtor_id for c in asked if c.plan is None]]
            answers = decide_for(
                asked, now, pinned, base=base, day=day, seed=seed, lang=creditor.language
            )
            external = dict(
                session.exec(
                    select(Debtor.id, Debtor.external_id).where(col(Debtor.id).in_(ids))
                ).all()
            )
            for a in answers:
                state = states[a.debtor_id]
                ctx = DebtorContext(
                    a.debtor_id,
                    str(external[a.debtor_id]),
                    state,
                    {inv.id: inv.number for inv in state.invoices},
                )
                out.append(_row(creditor.id, day, ctx, a, now, zone))
    return pd.DataFrame(out, columns=list(OUT_COLUMNS))


def _row(
    creditor_id: int, day: date, ctx: DebtorContext, a: Answer, now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    version = a.model_version or LADDER_VERSION
    rec = answer_out(
        ctx, a, now, zone, rec_id=recommendation_id(creditor_id, day, ctx.debtor_id, version)
    )
    stored = recommendation_row(creditor_id, rec)
    row: dict[str, Any] = {
        **{k: stored[k] for k in OUT_COLUMNS if k in stored and k != "body"},
        "body": json.dumps(stored["body"], sort_keys=True),
        "created_at": now.isoformat(),
        "send_at": None if a.action.is_wait else a.action.send_at.isoformat(),
        "contact_key": None,
        "contact_template": None,
        "contact_invoice_ids": None,
        "contact_cost_cents": None,
        "refusal": None,
    }
    act = a.action
    # the cycle plans only what is for its own local day; a later send time waits for that day
    if not act.is_wait and act.send_at.astimezone(zone).date() == day:
        send_day = act.send_at.astimezone(ctx.state.zone).date().isoformat()
        row |= {
            "contact_key": idempotency_key(ctx.debtor_id, send_day, str(act.stage)),
            "contact_template": act.template,
            "contact_invoice_ids": json.dumps(list(act.invoice_ids)),
            "contact_cost_cents": act.cost_cents,
        }
    return row
