"""The next action per debtor: the learned policy when a model is loaded, the fixed ladder when not.

For each debtor the rules (``policy.allowed_actions``) list what may be done now; the learned path
scores every allowed candidate in one batch (``policy.decide``) and draws with exploration, logging
the propensity; the ladder path takes ``policy.ladder_action`` (propensity 1). Every answer is
stored as a ``Recommendation`` so reports can explain it later. Nothing here can add an action the
rules did not allow.

Each answer is built as plain nested dicts and validated once as a ``RecommendationOut`` (one
pass in pydantic's core): a dozen small models per debtor, each validated on its own, cost
several times as much.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.tables import Creditor, Debtor, Recommendation
from policy import Action, DebtorState, states_from_ledger
from policy.decision_path import LADDER_VERSION, Answer, Pinned, decide_for
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api import schemas
from serving.api.errors import ApiError
from serving.api.model_store import LoadedModel
from serving.api.plans_in_force import plan_situations
from serving.api.snapshots import FeatureSnapshots

_NO_ROWS = pd.DataFrame()  # every debtor has a plan in force: no state rows are read

__all__ = ["LADDER_VERSION", "DebtorContext", "Recommender", "answer_out", "recommendation_row"]


@dataclass
class DebtorContext:
    debtor_id: int
    external_id: str
    state: DebtorState
    numbers: dict[int, str]


# the key's creditor and those of the asked debtors that are its own, in one statement (a
# single-debtor answer costs a few statements in all, so each one counts): the creditor's row
# comes back even when no debtor matches
_CREDITOR_AND_DEBTORS = (
    sa.select(
        col(Creditor.name),
        col(Creditor.timezone),
        col(Creditor.language),
        col(Debtor.id),
        col(Debtor.external_id),
    )
    .select_from(Creditor)
    .outerjoin(
        Debtor,
        sa.and_(
            col(Debtor.creditor_id) == col(Creditor.id),
            col(Debtor.id).in_(sa.bindparam("ids", expanding=True)),
        ),
    )
    .where(col(Creditor.id) == sa.bindparam("creditor_id"))
)

# built once: constructing the statement per call cost as much as compiling it from the cache
_INSERT = sa.insert(Recommendation)


def _action_out(action: Action, tz: ZoneInfo, numbers: dict[int, str]) -> dict[str, Any]:
    if action.is_wait:
        return {
            "channel": None,
            "tone": None,
            "send_at": None,
            "stage": action.stage,
            "template": None,
        }
    return {
        "channel": action.channel,
        "tone": action.tone,
        "send_at": action.send_at.astimezone(tz),
        "stage": action.stage,
        "template": action.template,
        "cost_cents": action.cost_cents,
        "invoice_numbers": [numbers[i] for i in action.invoice_ids if i in numbers],
    }


class Recommender:
    def __init__(self, snapshots: FeatureSnapshots, seed: int | None = None) -> None:
        self.snapshots = snapshots
        self.seed = seed or 0

    @staticmethod
    def _contexts(
        session: Session, found: dict[int, str], debtor_ids: list[int], now: datetime
    ) -> list[DebtorContext]:
        for i, debtor_id in enumerate(debtor_ids):
            if debtor_id not in found:  # another creditor's debtor reads like a missing one
                raise ApiError(404, f"body.debtor_ids.{i}", f"no debtor {debtor_id}")
        states = states_from_ledger(session, debtor_ids, now)
        return [
            DebtorContext(
                i, found[i], states[i], {inv.id: inv.number for inv in states[i].invoices}
            )
            for i in debtor_ids
        ]

    def recommend(
        self,
        session: Session,
        *,
        creditor_id: int,
        debtor_ids: list[int],
        now: datetime,
        model: LoadedModel | None,
    ) -> list[schemas.RecommendationOut]:
        if len(set(debtor_ids)) != len(debtor_ids):
            raise ApiError(422, "body.debtor_ids", "debtor ids must be unique")
        conn = session.connection()
        rows = conn.execute(
            _CREDITOR_AND_DEBTORS, {"creditor_id": creditor_id, "ids": debtor_ids}
        ).all()
        if not rows:
            raise ApiError(404, "header.X-API-Key", "the key's creditor no longer exists")
        name, timezone, language = rows[0][:3]
        tz = ZoneInfo(timezone)
        found = {int(r[3]): str(r[4]) for r in rows if r[3] is not None}
        contexts = self._contexts(session, found, debtor_ids, now)
        policy = model.model if model is not None else None
        if model is not None and isinstance(policy, PlanDunningPolicy):
            answers = self._plans(session, creditor_id, name, contexts, now, tz, model, language)
        else:
            answers = self._per_day(creditor_id, name, contexts, now, tz, model, language)
        out = [answer_out(ctx, a, now, tz) for ctx, a in zip(contexts, answers, strict=True)]
        # one multi-row INSERT: ORM objects per answer cost more than the answer
        conn.execute(_INSERT, [recommendation_row(creditor_id, r) for r in out])
        session.commit()
        return out

    def _plans(
        self,
        session: Session,
        creditor_id: int,
        name: str,
        contexts: list[DebtorContext],
        now: datetime,
        tz: ZoneInfo,
        model: LoadedModel,
        language: str,
    ) -> list[Answer]:
        """A plan champion: the plan in force from the decision log, a new one at checkpoints."""
        states = {ctx.debtor_id: ctx.state for ctx in contexts}
        cases = plan_situations(session.connection(), states, model.version, now, tz)
        due = [c.debtor_id for c in cases if c.plan is None]
        policy = model.model
        assert isinstance(policy, PlanDunningPolicy)
        reads = not isinstance(policy, PlanLoggingPolicy) or policy.reads_state
        base = (  # the plan-logging policy reads them only for its evidence
            self.snapshots.plan_base(creditor_id, name, due, now, policy, model.version)
            if due and reads
            else None
        )
        return decide_for(
            cases,
            now,
            Pinned(policy, model.version),
            base=base if base is not None else _NO_ROWS,
            day=now.astimezone(tz).date(),
            seed=self.seed,
            lang=language,
        )

    def _per_day(
        self,
        creditor_id: int,
        name: str,
        contexts: list[DebtorContext],
        now: datetime,
        tz: ZoneInfo,
        model: LoadedModel | None,
        language: str,
    ) -> list[Answer]:
        policy = model.model if model is not None else None
        pinned = (
            Pinned(policy, model.version)
            if model is not None and isinstance(policy, DunningPolicy)
            else None
        )
        base = None
        if isinstance(policy, DunningPolicy) and policy.models is not None and model is not None:
            base = self.snapshots.encoded(
                creditor_id,
                name,
                [c.debtor_id for c in contexts],
                now,
                policy.models,
                model.version,
            )
        return decide_for(
            {ctx.debtor_id: ctx.state for ctx in contexts},
            now,
            pinned,
            base=base,
            day=now.astimezone(tz).date(),
            seed=self.seed,
            lang=language,
        )


def recommendation_row(creditor_id: int, rec: schemas.RecommendationOut) -> dict[str, Any]:
    """The stored ``Recommendation`` row of one answer (the batch engine stores the same)."""
    return {
        "id": rec.id,
        "creditor_id": creditor_id,
        "debtor_id": rec.debtor_id,
        "created_at": rec.created_at,
        "model_version": rec.model_version,
        "channel": rec.action.channel,
        "tone": rec.action.tone,
        "stage": rec.action.stage,
        "send_at": rec.action.send_at,
        "expected_value_cents": rec.expected_value_cents,
        "p_pay": rec.p_pay,
        "propensity": rec.propensity,
        "degraded": rec.degraded,
        "body": rec.model_dump(mode="json"),
    }


def answer_out(
    ctx: DebtorContext, a: Answer, now: datetime, tz: ZoneInfo, rec_id: str | None = None
) -> schemas.RecommendationOut:
    """The API's form of one answer (validated once, see the module's docstring); ``rec_id``
    defaults to a fresh random id (the batch engine derives its own)."""
    explanation: dict[str, Any] = {
        "reasons": [
            {
                "feature": r.feature,
                "text": r.text,
                "value": r.value,
                "contribution": r.contribution,
            }
            for r in a.reasons
        ]
    }
    if not a.degraded:
        explanation |= {
            "shap": a.shap,
            "base_value": a.base_value,
            "versus_runner_up": a.versus_runner_up,
        }
    plan = None
    if a.plan is not None:
        p = a.plan
        plan = {
            "arm": p.arm,
            "label": p.label,
            "checkpoint": p.checkpoint,
            "chosen_on": p.chosen_on,
            "dpd": p.dpd,
            "propensity": p.propensity,
            "value_eur": p.value_eur,
            "runner_up": a.versus_runner_up if p.checkpoint else None,  # its label
            "available": list(p.available) if p.available is not None else None,
        }
    return schemas.RecommendationOut(
        id=rec_id or str(uuid.uuid4()),
        debtor_id=ctx.debtor_id,
        debtor_external_id=ctx.external_id,
        created_at=now,
        model_version=a.model_version,
        degraded=a.degraded,
        action=_action_out(a.action, tz, ctx.numbers),
        expected_value_cents=round(a.value_cents),
        p_pay=a.p_pay,
        p_complaint=a.p_complaint,
        propensity=a.propensity,
        alternatives=[
            {
                "action": _action_out(alt.action, tz, ctx.numbers),
                "expected_value_cents": round(alt.value_cents),
                "p_pay": alt.p_pay,
                "p_complaint": alt.p_complaint,
            }
            for alt in a.alternatives
        ],
        explanation=explanation,
        refusals=[
            {"channel": r.channel, "tone": None, "reasons": list(r.reasons)} for r in a.refusals
        ],
        plan=plan,
    )
