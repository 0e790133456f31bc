"""The hand-off to collection: the dossier goes to an agency or bailiff and dunflow's flow stops.

* :func:`hand_off` — records a ``handed_off`` dossier event (the stage, the day, the claim as of
  that day: principal, collection costs where the law allows them, statutory interest —
  :func:`policy.claim.claim_on` — and the 14-day letter with its date and proof of sending), and
  cancels every planned contact. The rules read the event (:mod:`policy.ledger_state`) and refuse
  any further contact. Once per dossier: a second call returns the first event.
* :func:`due_handoffs` — the scheduler's step: every debtor of a creditor with a
  ``handoff_stage`` whose flow has reached that stage (a contact at it went out) is handed off.

The export for the agency is :mod:`serving.operate.dossier_export`. This module must never
contact a debtor, nor hand off another creditor's debtor.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import ContactStatus, Stage
from ledger.tables import Contact, Creditor, Debtor, DossierEvent
from policy import state_from_ledger
from policy.claim import Claim, claim_on
from policy.flow_state import stage_rank
from serving.operate.dossier_actions import cancel_all_planned

HANDED_OFF = "handed_off"


def claim_json(claim: Claim) -> dict[str, Any]:
    return {
        "on": claim.on.isoformat(),
        "principal_cents": claim.principal_cents,
        "costs_cents": claim.costs_cents,
        "costs_note": claim.costs_note,
        "interest_cents": claim.interest_cents,
        "total_cents": claim.total_cents,
        "lines": [
            {
                "number": line.number,
                "due_date": line.due_date.isoformat(),
                "principal_cents": line.principal_cents,
                "interest_from": line.interest_from.isoformat(),
                "interest_cents": line.interest_cents,
            }
            for line in claim.lines
        ],
    }


def fourteen_day_letter(session: Session, debtor: Debtor) -> dict[str, Any] | None:
    """The debtor's latest 14-day letter: its date, stated costs and proof of sending."""
    event = session.exec(
        select(DossierEvent)
        .where(
            DossierEvent.creditor_id == debtor.creditor_id,
            DossierEvent.debtor_id == debtor.id,
            DossierEvent.kind == "fourteen_day_letter_sent",
        )
        .order_by(col(DossierEvent.occurred_at).desc(), col(DossierEvent.id).desc())
    ).first()
    if event is None:
        return None
    contact = session.get(Contact, event.payload.get("contact_id") or 0)
    return {
        "sent_at": event.occurred_at.isoformat(),
        "costs_cents": event.payload.get("costs_cents"),
        "wording_valid": event.payload.get("wording_valid"),
        "channel": contact.channel if contact else None,
        "proof_of_sending": contact.receipt if contact else None,
    }


def handed_off_event(session: Session, debtor: Debtor) -> DossierEvent | None:
    return session.exec(
        select(DossierEvent).where(
            DossierEvent.creditor_id == debtor.creditor_id,
            DossierEvent.debtor_id == debtor.id,
            DossierEvent.kind == HANDED_OFF,
        )
    ).first()


def hand_off(
    session: Session,
    creditor: Creditor,
    debtor: Debtor,
    now: datetime,
    *,
    actor: str,
    stage: str | None = None,
    note: str | None = None,
) -> DossierEvent:
    """Hand the dossier off (in the caller's session); returns the ``handed_off`` event."""
    done = handed_off_event(session, debtor)
    if done is not None:
        return done
    state = state_from_ledger(session, debtor.id or 0, now)
    day = now.astimezone(ZoneInfo(creditor.timezone)).date()
    cancelled = cancel_all_planned(session, debtor, now, reason=HANDED_OFF)
    return dossier.record(
        session,
        creditor_id=creditor.id or 0,
        debtor_id=debtor.id,
        kind=HANDED_OFF,
        actor=actor,
        occurred_at=now,
        payload={
            "stage": stage or creditor.handoff_stage or Stage.COLLECTION.value,
            "on": day.isoformat(),
            "note": note,
            "claim": claim_json(claim_on(state, day)),
            "fourteen_day_letter": fourteen_day_letter(session, debtor),
            "cancelled_contacts": cancelled,
        },
    )


def due_handoffs(session: Session, creditor: Creditor, now: datetime) -> list[int]:
    """Hand off every dossier whose flow reached the creditor's ``handoff_stage``; returns the
    debtor ids handed off now."""
    if creditor.handoff_stage is None:
        return []
    ranks = [s.value for s in Stage if stage_rank(s) >= stage_rank(Stage(creditor.handoff_stage))]
    reached = session.exec(
        select(Contact.debtor_id)
        .where(
            Contact.creditor_id == creditor.id,
            col(Contact.stage).in_(ranks),
            col(Contact.status).in_([ContactStatus.SENT.value, ContactStatus.DELIVERED.value]),
        )
        .distinct()
    ).all()
    done = set(
        session.exec(
            select(DossierEvent.debtor_id).where(
                DossierEvent.creditor_id == creditor.id, DossierEvent.kind == HANDED_OFF
            )
        ).all()
    )
    handed = []
    for debtor_id in sorted(set(reached) - done):
        debtor = session.get(Debtor, debtor_id)
        if debtor is not None:
            hand_off(session, creditor, debtor, now, actor="scheduler")
            handed.append(debtor_id)
    return handed
