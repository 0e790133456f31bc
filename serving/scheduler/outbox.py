"""The outbox: intended contacts, written once, claimed under a lease, sent once, marked.

A planned contact is a ``Contact`` row with status ``planned`` and an idempotency key
(debtor, day, stage) that is UNIQUE in the database, so writing the same intention twice (a second
scheduler, a rerun) inserts nothing. :func:`enqueue` writes a cycle's contacts set-based: per
chunk of 10,000 one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (:mod:`ledger.inserts`), the new
ids matched back by key, then their invoice links and dossier events in one bulk insert each
(measured in ``benchmarks/bench_outbox.py``). Dispatchers claim due rows with one atomic
``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING id``: on PostgreSQL rows locked
by another dispatcher are skipped; on SQLite the statement takes the single writer lock. A claim is
a lease (``claimed_by``, ``claimed_until``) under a fresh ``claim_token``; every renewal and finish
is fenced by that token, so a dispatcher whose lease ran out cannot overwrite another's result.

Crash semantics: a dispatcher that dies after claiming leaves the row ``sending``; once the lease
expires it is claimed again and re-sent *with the same idempotency key*, which the receiving side
uses to drop the copy (file sinks by name, webhooks by ``Idempotency-Key``, e-mail by Message-ID).
The claim and finish functions live in :mod:`serving.scheduler.leases` and are re-exported here.
The dispatcher renews its leases while it works (a heartbeat, a send in flight included) and once
more right before each send; :mod:`serving.scheduler.lease_budget` declares how long a lease must
be (refused at start-up when shorter). Measured (``tests/e2e/``): SIGKILLs and SIGSTOPs of
dispatcher processes mid-run lose nothing; the SMTP server sees at most one raw copy per injected
fault, always with the same Message-ID.
This module must never send anything itself and never decide what to send.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import ContactStatus
from ledger.inserts import insert_rows
from ledger.tables import Contact, ContactInvoice, Invoice
from serving.scheduler.candidates import blocked_debtors
from serving.scheduler.leases import (
    BACKOFF_BASE,
    MAX_ATTEMPTS,
    cancel,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    new_token,
    postpone,
    renew,
    renew_claim,
)

__all__ = [
    "BACKOFF_BASE",
    "CLOSED_INVOICE",
    "MAX_ATTEMPTS",
    "TRANSACTIONAL",
    "PlannedContact",
    "cancel",
    "cancel_pending_for_debtor",
    "claim_due",
    "enqueue",
    "idempotency_key",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "new_token",
    "postpone",
    "renew",
    "renew_claim",
    "still_wanted",
]

CLOSED_INVOICE = ("paid", "disputed", "paused", "written_off")


@dataclass(frozen=True)
class PlannedContact:
    creditor_id: int
    debtor_id: int
    channel: str
    tone: str
    stage: str
    template: str
    scheduled_at: datetime
    idempotency_key: str
    invoice_ids: tuple[int, ...]
    cost_cents: int = 0
    model_version: str | None = None
    propensity: float | None = None
    recommendation_id: str | None = None


def idempotency_key(debtor_id: int, day: str, stage: str) -> str:
    return f"{debtor_id}:{day}:{stage}"


# Contacts per round of the three statements: bounds the row dicts held at once when the cycle
# enqueues 100,000 contacts in one call.
CHUNK = 10_000


def _contact_row(p: PlannedContact) -> dict[str, object]:
    return {
        "creditor_id": p.creditor_id,
        "debtor_id": p.debtor_id,
        "channel": p.channel,
        "tone": p.tone,
        "stage": p.stage,
        "template": p.template,
        "scheduled_at": p.scheduled_at,
        "status": ContactStatus.PLANNED.value,
        "cost_cents": p.cost_cents,
        "model_version": p.model_version,
        "propensity": p.propensity,
        "idempotency_key": p.idempotency_key,
        "recommendation_id": p.recommendation_id,
        "attempts": 0,
        "created_at": p.scheduled_at,
    }


def enqueue(
    session: Session, planned: Sequence[PlannedContact], *, now: datetime | None = None
) -> int:
    """Write intentions; return how many were new. Call inside the cycle's transaction.

    Set-based: per chunk one ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id,
    idempotency_key`` of the contacts, one insert of the new contacts' ``contact_invoice`` rows and
    one of their ``contact_planned`` dossier events (:mod:`ledger.inserts`). A key already in the
    outbox inserts nothing and records nothing; a key given twice in one call counts once, with
    the first contact given. The events are stamped ``now`` (the caller's clock, a simulated day in
    the demo; None: the wall clock). Commits nothing.
    """
    first: dict[str, PlannedContact] = {}
    for p in planned:
        first.setdefault(p.idempotency_key, p)
    if not first:
        return 0
    # The inserts go to the connection, past the ORM's autoflush: flush what the caller added
    # first (a debtor, an earlier dossier event) so that it exists and keeps its place in order.
    session.flush()
    conn = session.connection()
    contacts: sa.Table = Contact.__table__  # type: ignore[attr-defined]
    todo = list(first.values())
    new = 0
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        returned = insert_rows(
            conn,
            contacts,
            [_contact_row(p) for p in chunk],
            skip_conflicts_on=contacts.c.idempotency_key,
            returning=(contacts.c.id, contacts.c.idempotency_key),
        )
        # Only the rows inserted come back, in no promised order: match them by key.
        ids = {str(key): int(cid) for cid, key in returned}
        inserted = [(ids[p.idempotency_key], p) for p in chunk if p.idempotency_key in ids]
        new += len(inserted)
        insert_rows(
            conn,
            ContactInvoice.__table__,  # type: ignore[attr-defined]
            [
                {"contact_id": cid, "invoice_id": i, "creditor_id": p.creditor_id}
                for cid, p in inserted
                for i in p.invoice_ids
            ],
        )
        dossier.record_many(
            session,
            [
                {
                    "creditor_id": p.creditor_id,
                    "debtor_id": p.debtor_id,
                    "kind": "contact_planned",
                    "actor": "scheduler",
                    "occurred_at": now,
                    "payload": {
                        "contact_id": cid,
                        "channel": p.channel,
                        "stage": p.stage,
                        "scheduled_at": p.scheduled_at.isoformat(),
                        "key": p.idempotency_key,
                    },
                }
                for cid, p in inserted
            ],
        )
    return new


TRANSACTIONAL = ("payment_thanks",)  # templates that go out whatever the invoices' state


def still_wanted(session: Session, contact_id: int, now: datetime | None = None) -> str | None:
    """None when the contact should go out; else why not (an invoice paid, disputed, paused, or
    the whole dossier paused or disputed as of ``now``). A thank-you always goes out."""
    contact = session.get(Contact, contact_id)
    if contact is not None and (contact.template or "").startswith(TRANSACTIONAL):
        return None
    if contact is not None:
        at = now or datetime.max.replace(tzinfo=UTC)
        blocked = blocked_debtors(session, contact.creditor_id, at, [contact.debtor_id])
        if contact.debtor_id in blocked:
            return blocked[contact.debtor_id]
    statuses = session.exec(
        select(Invoice.status, Invoice.open_amount_cents)
        .join(ContactInvoice, col(ContactInvoice.invoice_id) == col(Invoice.id))
        .where(ContactInvoice.contact_id == contact_id)
    ).all()
    if not statuses:
        return None
    if all(status in CLOSED_INVOICE or open_cents <= 0 for status, open_cents in statuses):
        return "every invoice it covers is paid, disputed or paused"
    if any(status in ("disputed", "paused") for status, _ in statuses):
        return "an invoice it covers is disputed or paused"
    return None


def cancel_pending_for_debtor(
    session: Session, *, creditor_id: int, debtor_id: int, now: datetime, reason: str
) -> int:
    """A payment, dispute or pause arrived: cancel every planned contact of the debtor no longer
    wanted. Call in the transaction that records the event."""
    pending = session.exec(
        select(Contact).where(
            Contact.creditor_id == creditor_id,
            Contact.debtor_id == debtor_id,
            col(Contact.status) == ContactStatus.PLANNED.value,
        )
    ).all()
    cancelled = 0
    for contact in pending:
        why = still_wanted(session, contact.id or 0, now)
        if why is not None:
            cancel(session, contact, now=now, reason=f"{reason}: {why}")
            cancelled += 1
    return cancelled
