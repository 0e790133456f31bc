"""What a reported outcome sets in motion (``POST /v1/outcomes``, a call list's result):

* ``wants_copy`` — the invoice copy goes out at the next allowed slot: a reminder with the open
  invoices' copies attached (e-mail, else a letter), planned into the outbox once per debtor and
  day (:func:`serving.scheduler.transactional.plan_message`);
* ``complaint`` — the dossier pauses for the creditor's ``complaint_pause_days`` (a ``paused``
  event with ``until``, reason ``complaint``; pending contacts cancelled) and the creditor is told:
  a ``creditor_notification`` dossier event, listed by ``GET /v1/notifications`` and e-mailed to
  the digest recipients by the scheduler (:mod:`serving.scheduler.notifications`);
* ``unreachable`` — the channel it came through (the contact's, or the one given) is marked
  ``channel_unreachable``; the rules drop it (:mod:`policy.ledger_state`), so the next allowed
  channel is chosen, and pending contacts on it are cancelled.

This module must never send anything itself, nor plan a dunning step the rules did not choose.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, ContactStatus, Country, InvoiceStatus, Stage, Tone
from ledger.tables import Contact, Creditor, Debtor, Invoice
from policy.flow_state import LEGAL_ZONE
from serving.operate.dossier_actions import cancel_all_planned
from serving.scheduler import outbox
from serving.scheduler.transactional import plan_message

NOTIFICATION = "creditor_notification"
INVOICE_COPY = "invoice_copy"


def after_outcome(
    session: Session,
    creditor: Creditor,
    debtor: Debtor,
    *,
    kind: str,
    at: datetime,
    contact: Contact | None = None,
    channel: Channel | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Act on one outcome just recorded (same session); returns what was done."""
    if kind == "wants_copy":
        return {"copy_planned": _plan_copy(session, creditor, debtor, at)}
    if kind == "complaint":
        return _complaint(session, creditor, debtor, at, note)
    if kind == "unreachable":
        used = channel or (Channel(contact.channel) if contact is not None else None)
        if used is None:
            return {}
        dossier.record(
            session,
            creditor_id=creditor.id or 0,
            debtor_id=debtor.id,
            kind="channel_unreachable",
            occurred_at=at,
            payload={"channel": used.value, "contact_id": contact.id if contact else None},
        )
        return {
            "unreachable_channel": used.value,
            "cancelled_contacts": _cancel_on(session, debtor, used, at),
        }
    return {}


def _plan_copy(session: Session, creditor: Creditor, debtor: Debtor, at: datetime) -> bool:
    ids = session.exec(
        select(Invoice.id).where(
            Invoice.creditor_id == creditor.id,
            Invoice.debtor_id == debtor.id,
            col(Invoice.status).in_([InvoiceStatus.OPEN.value, InvoiceStatus.IN_COLLECTION.value]),
            col(Invoice.open_amount_cents) > 0,
        )
    ).all()
    if not ids:
        return False
    day = at.astimezone(_zone(debtor, creditor)).date()
    planned = plan_message(
        session,
        creditor,
        debtor,
        kind=INVOICE_COPY,
        stage=Stage.REMINDER.value,  # a copy, not a step: it never moves the flow on
        tone=Tone.FRIENDLY.value,
        invoice_ids=[int(i or 0) for i in ids],
        now=at,
        key_day=day,
    )
    return bool(planned) and outbox.enqueue(session, [planned] if planned else [], now=at) > 0


def _zone(debtor: Debtor, creditor: Creditor) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(LEGAL_ZONE[Country(debtor.country or creditor.country)])


def _complaint(
    session: Session, creditor: Creditor, debtor: Debtor, at: datetime, note: str | None
) -> dict[str, Any]:
    days = creditor.complaint_pause_days
    answer: dict[str, Any] = {"paused_days": days}
    if days > 0:
        until = at.astimezone(_zone(debtor, creditor)).date() + timedelta(days=days)
        dossier.record(
            session,
            creditor_id=creditor.id or 0,
            debtor_id=debtor.id,
            kind="paused",
            occurred_at=at,
            payload={"until": until.isoformat(), "reason": "complaint"},
        )
        answer["paused_until"] = until.isoformat()
        answer["cancelled_contacts"] = cancel_all_planned(session, debtor, at, reason="complaint")
    notify(
        session,
        creditor,
        debtor,
        at=at,
        subject=f"Complaint from {debtor.name} ({debtor.external_id})",
        text=note or "The debtor complained; the dossier is paused.",
        extra={"reason": "complaint", "paused_until": answer.get("paused_until")},
    )
    answer["creditor_notified"] = True
    return answer


def notify(
    session: Session,
    creditor: Creditor,
    debtor: Debtor | None,
    *,
    at: datetime,
    subject: str,
    text: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """A notification for the creditor: kept in the dossier, e-mailed by the scheduler."""
    dossier.record(
        session,
        creditor_id=creditor.id or 0,
        debtor_id=debtor.id if debtor else None,
        kind=NOTIFICATION,
        occurred_at=at,
        payload={"subject": subject[:200], "text": text[:2000], **(extra or {})},
    )


def _cancel_on(session: Session, debtor: Debtor, channel: Channel, at: datetime) -> int:
    planned = session.exec(
        select(Contact).where(
            Contact.creditor_id == debtor.creditor_id,
            Contact.debtor_id == debtor.id,
            Contact.channel == channel.value,
            Contact.status == ContactStatus.PLANNED.value,
        )
    ).all()
    for contact in planned:
        outbox.cancel(session, contact, now=at, reason=f"{channel} unreachable")
    return len(planned)
