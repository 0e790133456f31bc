"""The Dossier's "send now": plan the next contact the rules allow today, through the outbox.

The choice is :func:`policy.send_now.send_now`'s (the rules, then the ladder's next step); the
creditor's own limits (contact budget, complaint rate) are checked as the daily cycle checks them.
The contact is written to the outbox with the cycle's idempotency key (debtor, send day, stage),
so a second click, a second worker or the day's cycle can never plan it twice: the dispatcher
sends it once, at its next pass. A ``send_now`` dossier event names the person who asked. This
module never sends anything itself and never plans what the rules refuse.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ledger import dossier
from ledger.tables import Contact, Creditor, Debtor
from policy import state_from_ledger
from policy.creditor_limits import limit_refusals
from policy.send_now import send_now
from serving.scheduler import outbox
from serving.scheduler.cycle import creditor_usage


class SendNowRefusedError(ValueError):
    """The rules (or the creditor's limits) do not allow a contact today: their reasons, and the
    earliest moment they would (None: not within the horizon)."""

    def __init__(self, reasons: list[str], earliest: datetime | None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.earliest = earliest


@dataclass(frozen=True)
class Planned:
    contact_id: int
    channel: str
    stage: str
    send_at: datetime
    cost_cents: int


def plan_send_now(
    session: Session, creditor: Creditor, debtor: Debtor, *, actor: str, now: datetime
) -> Planned:
    """Plan the debtor's next allowed contact for today in the caller's transaction, or raise
    :class:`SendNowRefusedError` (nothing written)."""
    cid, did = creditor.id or 0, debtor.id or 0
    state = state_from_ledger(session, did, now)
    choice = send_now(state, now)
    action = choice.action
    if action is None:
        raise SendNowRefusedError(list(choice.reasons), choice.earliest)
    limits = limit_refusals(
        action,
        creditor_usage(session, cid, now),
        budget_cents=creditor.contact_budget_cents,
        complaint_limit_per_1000=creditor.complaint_limit_per_1000,
    )
    if limits:
        raise SendNowRefusedError(limits, None)
    day = state.local_day(action.send_at).isoformat()
    key = outbox.idempotency_key(did, day, str(action.stage))
    planned = outbox.PlannedContact(
        creditor_id=cid,
        debtor_id=did,
        channel=str(action.channel),
        tone=str(action.tone),
        stage=str(action.stage),
        template=action.template,
        scheduled_at=action.send_at,
        idempotency_key=key,
        invoice_ids=action.invoice_ids,
        cost_cents=action.cost_cents,
    )
    if (
        outbox.enqueue(session, [planned], now=now) == 0
    ):  # planned meanwhile (another click, the cycle)
        raise SendNowRefusedError([f"there is already a contact on {day} (key {key})"], None)
    contact_id = session.exec(select(Contact.id).where(Contact.idempotency_key == key)).one()
    assert contact_id is not None
    dossier.record(
        session,
        creditor_id=cid,
        debtor_id=did,
        kind="send_now",
        actor=actor[:40],
        occurred_at=now,
        payload={
            "contact_id": contact_id,
            "channel": planned.channel,
            "stage": planned.stage,
            "send_at": action.send_at.isoformat(),
        },
    )
    return Planned(contact_id, planned.channel, planned.stage, action.send_at, action.cost_cents)
