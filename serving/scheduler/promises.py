"""Promises to pay: confirm each one, and follow up the ones that were broken.

* :func:`confirm_promises` — every promise outcome (``POST /v1/outcomes`` kind ``promise``) gets a
  ``promise_confirmation`` message (logo, the promised invoices' numbers and open amounts, bank
  details, one date: the promised one, else within 5 working days; e-mail, else a letter). The
  rules keep the dossier quiet until the promised date plus grace (``DebtorState.promise_date``),
  so no reminder goes out meanwhile.
* :func:`detect_broken` — once the promised date plus grace has passed and the invoices the
  promise covered are still open, a ``promise_broken`` dossier event is recorded (once per
  promise) and a firmer message is planned at the next stage of the flow, if the rules allow it
  today: ``broken_promise`` copy in a firm tone for the reminder stages, the stage's own letter
  (e.g. the 14-day letter) beyond. The flow's stage is the highest stage contacted, so that
  contact is what moves the debtor on. When the rules refuse, the event stands and the daily cycle
  carries on from there.

This module must never plan anything ``policy.check`` refuses for a dunning step.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, OutcomeKind, Stage, Tone
from ledger.tables import Creditor, Debtor, DossierEvent, Outcome
from policy import check, state_from_ledger
from policy.actions import template_name
from policy.candidates import earliest_send, make_action
from policy.flow_state import STAGE_ORDER, TONE_ORDER, DebtorState, RulesConfig, stage_rank
from serving.scheduler import outbox
from serving.scheduler.messages import covered_invoices
from serving.scheduler.transactional import plan_message

LOOKBACK = timedelta(days=120)
CONFIRM_WITHIN = timedelta(days=3)
FIRM_CHANNELS = (Channel.EMAIL, Channel.LETTER, Channel.SMS, Channel.PHONE)


@dataclass
class PromiseStats:
    confirmations: int = 0
    broken: int = 0
    firmer_planned: int = 0


def promised_invoice_ids(session: Session, promise: Outcome, state: DebtorState) -> list[int]:
    """What a promise covers, of what is still open: the invoices overdue on the day it was made
    (never one not yet due), and of those only the ones its contact was about when it answered
    one. The confirmation lists these; :func:`detect_broken` checks the same set."""
    day = state.local_day(promise.occurred_at)
    asked = set()
    if promise.contact_id is not None:
        asked = {i.id for i in covered_invoices(session, promise.contact_id)}
    return [i.id for i in state.invoices if i.dunnable_on(day) and (not asked or i.id in asked)]


def _promises(session: Session, creditor_id: int, now: datetime) -> list[Outcome]:
    return list(
        session.exec(
            select(Outcome)
            .where(
                Outcome.creditor_id == creditor_id,
                Outcome.kind == OutcomeKind.PROMISE.value,
                Outcome.occurred_at <= now,
                Outcome.occurred_at > now - LOOKBACK,
            )
            .order_by(col(Outcome.occurred_at), col(Outcome.id))
        )
    )


def confirm_promises(session: Session, creditor: Creditor, now: datetime) -> int:
    """Plan a confirmation for each recent promise (idempotent: one per debtor and day), unless
    the creditor switched confirmations off (``Creditor.promise_confirmation_mail``)."""
    if not creditor.promise_confirmation_mail:
        return 0
    planned = []
    for promise in _promises(session, creditor.id or 0, now):
        if promise.occurred_at < now - CONFIRM_WITHIN:
            continue  # older promises were confirmed by an earlier pass
        debtor = session.get(Debtor, promise.debtor_id)
        if debtor is None:
            continue
        state = state_from_ledger(session, promise.debtor_id, now)
        ids = promised_invoice_ids(session, promise, state)
        if not ids:
            continue
        p = plan_message(
            session,
            creditor,
            debtor,
            kind="promise_confirmation",
            stage=str(state.stage),
            tone=Tone.NEUTRAL.value,
            invoice_ids=ids,
            now=max(now, promise.occurred_at),
            key_day=state.local_day(promise.occurred_at),
        )
        if p is not None:
            planned.append(p)
    return outbox.enqueue(session, planned, now=now)


def _firmer(session: Session, debtor_id: int, now: datetime) -> outbox.PlannedContact | None:
    state = state_from_ledger(session, debtor_id, now)
    today = state.local_day(now)
    rank = stage_rank(state.stage)
    for stage in (*STAGE_ORDER[rank + 1 :], state.stage):
        for channel in FIRM_CHANNELS:
            if channel not in state.usable_channels() & state.config.channels_for(stage):
                continue
            send_at = earliest_send(state, stage, channel, now)
            if send_at is None or state.local_day(send_at) != today:
                continue
            tones = state.tones_for(stage)
            if not tones:
                continue  # the segment's tone bounds leave this stage no tone
            tone = max(tones, key=TONE_ORDER.index)  # the firmest the stage and segment allow
            action = make_action(state, stage, channel, tone, send_at)
            if not check(action, state).ok:
                continue
            early = stage in (Stage.REMINDER, Stage.PRE_COLLECTION)
            return outbox.PlannedContact(
                creditor_id=state_creditor_id(session, debtor_id),
                debtor_id=debtor_id,
                channel=channel.value,
                tone=tone.value,
                stage=stage.value,
                template="broken_promise" if early else template_name(stage, tone, channel),
                scheduled_at=send_at,
                idempotency_key=outbox.idempotency_key(debtor_id, today.isoformat(), stage.value),
                invoice_ids=action.invoice_ids,
                cost_cents=action.cost_cents,
                model_version="rules",
                propensity=1.0,
            )
    return None


def state_creditor_id(session: Session, debtor_id: int) -> int:
    debtor = session.get(Debtor, debtor_id)
    return debtor.creditor_id if debtor else 0


def detect_broken(
    session: Session, creditor: Creditor, now: datetime, grace_days: int | None = None
) -> PromiseStats:
    """Record each promise broken by ``now`` (once) and plan the firmer step where allowed."""
    stats = PromiseStats()
    grace = max(grace_days or 0, RulesConfig().promise_grace_days)
    latest: dict[int, Outcome] = {}
    for promise in _promises(session, creditor.id or 0, now):
        latest[promise.debtor_id] = promise
    done = {
        int(e.payload.get("outcome_id", 0))
        for e in session.exec(
            select(DossierEvent).where(
                DossierEvent.creditor_id == creditor.id, DossierEvent.kind == "promise_broken"
            )
        )
    }
    planned = []
    for debtor_id, promise in latest.items():
        if promise.id in done or promise.promised_date is None:
            continue
        state = state_from_ledger(session, debtor_id, now)
        if state.local_day(now) <= promise.promised_date + timedelta(days=grace):
            continue
        promised_on = promise.occurred_at.astimezone(state.zone).date()
        still_open = [i for i in state.invoices if i.dunnable_on(promised_on)]
        if not still_open:
            continue
        stats.broken += 1
        dossier.record(
            session,
            creditor_id=creditor.id or 0,
            debtor_id=debtor_id,
            kind="promise_broken",
            actor="scheduler",
            occurred_at=now,
            payload={
                "outcome_id": promise.id,
                "promised_date": promise.promised_date.isoformat(),
                "open_invoice_ids": [i.id for i in still_open],
            },
        )
        if not state.paused and not state.disputed:
            firmer = _firmer(session, debtor_id, now)
            if firmer is not None:
                planned.append(firmer)
    stats.firmer_planned = outbox.enqueue(session, planned, now=now)
    return stats
