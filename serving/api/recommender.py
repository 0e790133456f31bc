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
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.enums import Channel, Tone
from ledger.tables import Creditor, Debtor, Recommendation
from policy import Action, DebtorState, allowed_actions, check, ladder_action, states_from_ledger
from policy.choice import keyed_uniform
from policy.decide import CandidateTable, Decision, decide
from policy.pyfunc import DunningPolicy
from serving.api import schemas
from serving.api.errors import ApiError
from serving.api.model_store import LoadedModel
from serving.api.snapshots import FeatureSnapshots

LADDER_VERSION = "ladder"


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


def _refusals(state: DebtorState, allowed: list[Action], now: datetime) -> list[dict[str, Any]]:
    """For each channel with no allowed candidate, the rules that removed it."""
    offered = {a.channel for a in allowed if not a.is_wait}
    out = []
    for channel in Channel:
        if channel in offered:
            continue
        probe = Action(channel, Tone.NEUTRAL, now, state.stage, f"probe.{channel.value}")
        verdict = check(probe, state)
        reasons = list(verdict.reasons) or ["no send time within the horizon satisfies the rules"]
        out.append({"channel": channel, "tone": None, "reasons": reasons})
    return out


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
        policy_model = model.model if model is not None else None
        if isinstance(policy_model, DunningPolicy) and policy_model.models is not None:
            out = self._learned(
                (creditor_id, name, language),
                contexts,
                now,
                tz,
                policy_model,
                model.version,  # type: ignore[union-attr]
            )
        else:
            out = [self._ladder(ctx, now, tz) for ctx in contexts]
        # one multi-row INSERT: ORM objects per answer cost more than the answer
        conn.execute(
            sa.insert(Recommendation),
            [
                {
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
                for rec in out
            ],
        )
        session.commit()
        return out

    def _ladder(self, ctx: DebtorContext, now: datetime, tz: ZoneInfo) -> schemas.RecommendationOut:
        allowed = allowed_actions(ctx.state, now)
        action = ladder_action(ctx.state, now)
        text = action.note or (
            "the fixed ladder's next level" if not action.is_wait else "the ladder waits today"
        )
        return schemas.RecommendationOut(
            id=str(uuid.uuid4()),
            debtor_id=ctx.debtor_id,
            debtor_external_id=ctx.external_id,
            created_at=now,
            model_version=LADDER_VERSION,
            degraded=True,
            action=_action_out(action, tz, ctx.numbers),
            expected_value_cents=0,
            p_pay=None,
            propensity=1.0,
            alternatives=[],
            explanation={"reasons": [{"feature": "ladder", "text": text, "contribution": 0.0}]},
            refusals=_refusals(ctx.state, allowed, now),
        )

    def _learned(
        self,
        creditor: tuple[int, str, str],  # id, name, language
        contexts: list[DebtorContext],
        now: datetime,
        tz: ZoneInfo,
        policy_model: DunningPolicy,
        version: str,
    ) -> list[schemas.RecommendationOut]:
        allowed = {ctx.debtor_id: allowed_actions(ctx.state, now) for ctx in contexts}
        rows = []
        for ctx in contexts:
            at_stake = sum(i.open_amount_cents for i in ctx.state.invoices)
            for a in allowed[ctx.debtor_id]:
                rows.append(
                    (
                        int(ctx.debtor_id),
                        None if a.is_wait else str(a.channel),
                        None if a.is_wait else str(a.tone),
                        a.send_at,
                        float(a.cost_cents),
                        float(at_stake),
                    )
                )
        candidates = CandidateTable.from_rows(rows)
        ids = [int(ctx.debtor_id) for ctx in contexts]
        assert policy_model.models is not None
        base = self.snapshots.encoded(
            creditor[0], creditor[1], ids, now, policy_model.models, version
        )
        decisions = decide(
            policy_model.models,
            base,
            candidates,
            now=now,
            weights=policy_model.weights,
            exploration=policy_model.exploration,
            # the draw is fixed per debtor, the creditor's day and the model: asked again that day
            # (a re-run cycle, another worker) the debtor gets the same answer, so the logged
            # propensity stays the true chance of what was done
            rng=partial(keyed_uniform, self.seed, version, now.astimezone(tz).date()),
            lang=creditor[2],
        )
        by_debtor = {d.debtor_id: d for d in decisions}
        offsets = np.r_[0, np.cumsum([len(allowed[ctx.debtor_id]) for ctx in contexts])]
        out = []
        for k, ctx in enumerate(contexts):
            d = by_debtor[int(ctx.debtor_id)]
            options = allowed[ctx.debtor_id]
            out.append(self._answer(ctx, d, options, int(offsets[k]), now, tz, version))
        return out

    def _answer(
        self,
        ctx: DebtorContext,
        d: Decision,
        options: list[Action],
        offset: int,
        now: datetime,
        tz: ZoneInfo,
        version: str,
    ) -> schemas.RecommendationOut:
        chosen = options[d.chosen - offset]
        alternatives = [
            {
                "action": _action_out(options[a["row"] - offset], tz, ctx.numbers),
                "expected_value_cents": round(a["value_cents"]),
                "p_pay": a["p_pay"],
                "p_complaint": a["p_complaint"],
            }
            for a in d.alternatives
        ]
        return schemas.RecommendationOut(
            id=str(uuid.uuid4()),
            debtor_id=ctx.debtor_id,
            debtor_external_id=ctx.external_id,
            created_at=now,
            model_version=version,
            degraded=False,
            action=_action_out(chosen, tz, ctx.numbers),
            expected_value_cents=round(d.value_cents),
            p_pay=d.p_pay,
            p_complaint=d.p_complaint,
            propensity=d.propensity,
            alternatives=alternatives,
            explanation={
                "reasons": [
                    {
                        "feature": r.feature,
                        "text": r.text,
                        "value": r.value,
                        "contribution": r.contribution,
                    }
                    for r in d.reasons
                ],
                "shap": d.shap,
                "base_value": d.base_value,
                "versus_runner_up": d.versus_runner_up,
            },
            refusals=_refusals(ctx.state, options, now),
        )
