"""The daily cycle for one creditor: candidates → scoring API (HTTP) → rules re-check → outbox.

1. Select the debtors worth asking (:mod:`serving.scheduler.candidates`, SQL).
2. Ask the scoring API in batches with ``at`` = the cycle's moment (no ledger transaction is held
   open meanwhile: on SQLite the API must be able to write its recommendations).
3. In ONE transaction: rebuild each answered action from the rules (``make_action``: the bundle of
   every overdue invoice and the legal costs), re-check it with ``policy.check`` against a fresh
   ``state_from_ledger``; a refusal goes to the dossier (``recommendation_refused``) and nothing is
   planned; an allowed action is written to the outbox with the key (debtor, send day, stage), so
   a second run of the same cycle plans nothing new.

Only actions whose send time falls on the cycle's own local day are planned; a later send time is
left for that day's cycle, which will know more. This module must never send anything and never
plan what the rules refuse.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, Stage, Tone
from ledger.tables import Contact, Creditor
from policy import DebtorState, check, state_from_ledger, states_from_ledger
from policy.candidates import make_action
from serving.api.schemas import RecommendationOut
from serving.scheduler import outbox
from serving.scheduler.candidates import candidates
from serving.scheduler.scoring_client import ScoringClient

log = logging.getLogger(__name__)


@dataclass
class CycleStats:
    creditor: str
    candidates: int = 0
    answered: int = 0
    waits: int = 0
    later_day: int = 0
    refused: int = 0
    planned: int = 0
    already_planned: int = 0
    planned_by_channel: Counter[str] = field(default_factory=Counter)
    refusal_reasons: Counter[str] = field(default_factory=Counter)


def plan_answer(
    session: Session,
    creditor: Creditor,
    rec: RecommendationOut,
    now: datetime,
    stats: CycleStats,
    state: DebtorState | None = None,
) -> outbox.PlannedContact | None:
    """The outbox entry for one answer, or None (wait, another day, or refused by the rules)."""
    a = rec.action
    if a.channel is None or a.send_at is None or a.tone is None or a.stage is None:
        stats.waits += 1
        return None
    zone = ZoneInfo(creditor.timezone)
    day = now.astimezone(zone).date()
    if a.send_at.astimezone(zone).date() != day:
        stats.later_day += 1
        return None
    state = state or state_from_ledger(session, rec.debtor_id, now)
    action = make_action(state, Stage(a.stage), Channel(a.channel), Tone(a.tone), a.send_at)
    reasons = list(check(action, state).reasons)
    numbers = {i.number: i.id for i in state.invoices}
    asked = {numbers.get(n, -1) for n in a.invoice_numbers}
    if asked != set(action.invoice_ids):
        reasons.append(
            f"the answer covers invoices {sorted(a.invoice_numbers)}, the rules' bundle differs"
        )
    if reasons:
        stats.refused += 1
        stats.refusal_reasons.update(r.split(":")[0][:60] for r in reasons)
        dossier.record(
            session,
            creditor_id=creditor.id or 0,
            debtor_id=rec.debtor_id,
            kind="recommendation_refused",
            actor="scheduler",
            occurred_at=now,
            payload={
                "recommendation_id": rec.id,
                "channel": str(a.channel),
                "stage": str(a.stage),
                "send_at": a.send_at.isoformat(),
                "reasons": reasons,
            },
        )
        return None
    send_day = a.send_at.astimezone(state.zone).date().isoformat()
    return outbox.PlannedContact(
        creditor_id=creditor.id or 0,
        debtor_id=rec.debtor_id,
        channel=str(action.channel),
        tone=str(action.tone),
        stage=str(action.stage),
        template=a.template or action.template,
        scheduled_at=action.send_at,
        idempotency_key=outbox.idempotency_key(rec.debtor_id, send_day, str(action.stage)),
        invoice_ids=action.invoice_ids,
        cost_cents=action.cost_cents,
        model_version=rec.model_version,
        propensity=rec.propensity,
        recommendation_id=rec.id,
    )


def run_cycle(
    engine: Engine, creditor: Creditor, now: datetime, client: ScoringClient
) -> CycleStats:
    """One daily cycle for ``creditor`` at ``now`` (aware). Safe to run twice."""
    stats = CycleStats(creditor.name)
    day = now.astimezone(ZoneInfo(creditor.timezone)).date()
    with Session(engine) as session:
        ids = candidates(session, creditor.id or 0, day, now)
    stats.candidates = len(ids)
    if not ids:
        return stats
    answers = client.recommend(creditor.name, ids, now)
    stats.answered = len(answers)
    with Session(engine, expire_on_commit=False) as session:
        acting = [r.debtor_id for r in answers if r.action.channel is not None]
        states = states_from_ledger(
            session, acting, now
        )  # one batch of queries, not one per debtor
        planned = [
            p
            for rec in answers
            if (p := plan_answer(session, creditor, rec, now, stats, states.get(rec.debtor_id)))
        ]
        known = set(
            session.exec(
                select(Contact.idempotency_key).where(
                    col(Contact.idempotency_key).in_([p.idempotency_key for p in planned])
                )
            )
        )
        stats.planned = outbox.enqueue(session, planned)
        stats.already_planned = len(planned) - stats.planned
        session.commit()
    stats.planned_by_channel.update(p.channel for p in planned if p.idempotency_key not in known)
    log.info("cycle %s %s: %s", creditor.name, now.isoformat(), stats)
    return stats
