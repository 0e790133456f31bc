"""The daily cycle for one creditor: candidates → scoring API (HTTP) → rules re-check → outbox.

1. Select the debtors worth asking (:mod:`serving.scheduler.candidates`, SQL).
2. Ask the scoring API in batches with ``at`` = the cycle's moment; while the API scores batch
   k+1 (its own process), batch k is checked here (the two cores work at once).
3. Check each answer: rebuild the action from the rules (``make_action``: the bundle of every
   overdue invoice and the legal costs), re-check it with ``policy.check`` and the creditor's own
   limits (:mod:`policy.creditor_limits`: budget, complaint rate) against the debtor's
   state read after the answer came (one batched ``states_from_ledger`` per batch, in a short
   read-only session: nothing is written while the API still writes its recommendations — on
   SQLite a held write lock would stall it).
4. In ONE transaction at the end: refusals go to the dossier (``recommendation_refused``) and
   nothing is planned for them; allowed actions are written to the outbox with the key (debtor,
   send day, stage), so a second run of the same cycle plans nothing new.

Only actions whose send time falls on the cycle's own local day are planned; a later send time is
left for that day's cycle, which will know more. This module must never send anything and never
plan what the rules refuse.
"""

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, ContactStatus, OutcomeKind, Stage, Tone
from ledger.tables import Contact, Creditor, Debtor, Outcome
from policy import DebtorState, check, states_from_ledger
from policy.candidates import make_action
from policy.creditor_limits import WINDOW_DAYS, CreditorUsage, limit_refusals
from serving.api.schemas import RecommendationBrief
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
    # wall-clock seconds per step: candidates, waiting_for_scoring, checking, outbox, total
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def plan_answer(
    creditor: Creditor,
    rec: RecommendationBrief,
    now: datetime,
    stats: CycleStats,
    state: DebtorState | None,
    refusals: list[dossier.NewEvent],
    usage: CreditorUsage | None = None,
) -> outbox.PlannedContact | None:
    """The outbox entry for one answer, or None (wait, another day, or refused by the rules: the
    refusal is appended to ``refusals`` for the dossier). With ``usage``, the creditor's own
    limits (budget, complaints) are checked too and the planned contact's cost is added to it."""
    a = rec.action
    if a.channel is None or a.send_at is None or a.tone is None or a.stage is None:
        stats.waits += 1
        return None
    zone = ZoneInfo(creditor.timezone)
    day = now.astimezone(zone).date()
    if a.send_at.astimezone(zone).date() != day:
        stats.later_day += 1
        return None
    if state is None:  # the debtor vanished between the question and the check
        reasons = [f"no debtor {rec.debtor_external_id} in the ledger"]
        action = None
    else:
        action = make_action(state, Stage(a.stage), Channel(a.channel), Tone(a.tone), a.send_at)
        reasons = list(check(action, state).reasons)
        if usage is not None:
            reasons += limit_refusals(
                action,
                usage,
                budget_cents=creditor.contact_budget_cents,
                complaint_limit_per_1000=creditor.complaint_limit_per_1000,
            )
        numbers = {i.number: i.id for i in state.invoices}
        asked = {numbers.get(n, -1) for n in a.invoice_numbers}
        if asked != set(action.invoice_ids):
            reasons.append(
                f"the answer covers invoices {sorted(a.invoice_numbers)}, the rules' bundle differs"
            )
    if reasons or action is None or state is None:
        stats.refused += 1
        stats.refusal_reasons.update(r.split(":")[0][:60] for r in reasons)
        refusals.append(
            dossier.NewEvent(
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
        )
        return None
    send_day = a.send_at.astimezone(state.zone).date().isoformat()
    if usage is not None:
        usage.cost_cents += action.cost_cents
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


def creditor_usage(session: Session, creditor_id: int, now: datetime) -> CreditorUsage:
    """The creditor's last 30 days as :mod:`policy.creditor_limits` counts them."""
    since = now - timedelta(days=WINDOW_DAYS)
    moment = sa.func.coalesce(col(Contact.sent_at), col(Contact.scheduled_at))
    live = [s.value for s in (ContactStatus.PLANNED, ContactStatus.SENDING, ContactStatus.SENT,
                              ContactStatus.DELIVERED)]  # fmt: skip
    cost = session.exec(
        select(sa.func.coalesce(sa.func.sum(Contact.cost_cents), 0)).where(
            Contact.creditor_id == creditor_id, col(Contact.status).in_(live), moment >= since
        )
    ).one()
    complaints = session.exec(
        select(sa.func.count()).where(
            Outcome.creditor_id == creditor_id,
            Outcome.kind == OutcomeKind.COMPLAINT.value,
            col(Outcome.occurred_at) >= since,
            col(Outcome.occurred_at) <= now,
        )
    ).one()
    debtors = session.exec(select(sa.func.count()).where(Debtor.creditor_id == creditor_id)).one()
    return CreditorUsage(int(cost), int(complaints), int(debtors))


def run_cycle(
    engine: Engine, creditor: Creditor, now: datetime, client: ScoringClient
) -> CycleStats:
    """One daily cycle for ``creditor`` at ``now`` (aware). Safe to run twice."""
    stats = CycleStats(creditor.name)
    started = time.perf_counter()
    day = now.astimezone(ZoneInfo(creditor.timezone)).date()
    with Session(engine) as session:
        ids = candidates(session, creditor.id or 0, day, now)
    stats.candidates = len(ids)
    stats.seconds["candidates"] = time.perf_counter() - started
    if not ids:
        return stats
    with Session(engine) as session:
        usage = creditor_usage(session, creditor.id or 0, now)
    planned: list[outbox.PlannedContact] = []
    refusals: list[dossier.NewEvent] = []
    waited = time.perf_counter()
    for answers in client.stream(creditor.name, ids, now):
        got = time.perf_counter()
        stats.seconds["waiting_for_scoring"] += got - waited
        stats.answered += len(answers)
        acting = [r.debtor_id for r in answers if r.action.channel is not None]
        with Session(engine) as session:  # read-only, short: see the module's note on SQLite
            states = states_from_ledger(session, acting, now)
        for rec in answers:
            state = states.get(rec.debtor_id)
            p = plan_answer(creditor, rec, now, stats, state, refusals, usage)
            if p is not None:
                planned.append(p)
        waited = time.perf_counter()
        stats.seconds["checking"] += waited - got
    with Session(engine, expire_on_commit=False) as session:
        dossier.record_many(session, refusals)
        keys = [p.idempotency_key for p in planned]
        known: set[str] = set()
        for start in range(0, len(keys), 5_000):  # SQLite caps the bound parameters per query
            known.update(
                session.exec(
                    select(Contact.idempotency_key).where(
                        col(Contact.idempotency_key).in_(keys[start : start + 5_000])
                    )
                )
            )
        stats.planned = outbox.enqueue(session, planned, now=now)
        stats.already_planned = len(planned) - stats.planned
        session.commit()
    stats.seconds["outbox"] = time.perf_counter() - waited
    stats.seconds["total"] = time.perf_counter() - started
    stats.planned_by_channel.update(p.channel for p in planned if p.idempotency_key not in known)
    log.info("cycle %s %s: %s", creditor.name, now.isoformat(), stats)
    return stats
