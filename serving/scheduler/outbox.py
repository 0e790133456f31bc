"""The outbox: intended contacts, written once, claimed under a lease, sent once, marked.

A planned contact is a ``Contact`` row with status ``planned`` and an idempotency key
(debtor, day, stage) that is UNIQUE in the database, so writing the same intention twice (a second
scheduler, a rerun) inserts nothing. Dispatchers claim due rows with one atomic
``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING id``: on PostgreSQL rows locked
by another dispatcher are skipped; on SQLite the statement takes the single writer lock. A claim is
a lease (``claimed_by``, ``claimed_until``); marking sent is fenced by ``claimed_by`` so a
dispatcher whose lease ran out cannot overwrite another's result.

Crash semantics: a dispatcher that dies after claiming leaves the row ``sending``; once the lease
expires it is claimed again and re-sent *with the same idempotency key*, which the receiving side
uses to drop the copy (file sinks by name, webhooks by ``Idempotency-Key``, e-mail by Message-ID).
This module must never send anything itself and never decide what to send.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import ContactStatus
from ledger.tables import Contact, ContactInvoice, Invoice
from ledger.types import utcnow
from serving.scheduler.candidates import blocked_debtors

CLOSED_INVOICE = ("paid", "disputed", "paused", "written_off")
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=5)


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


def _insert(conn: Connection) -> type[sa.Insert]:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert  # type: ignore[return-value]


def enqueue(session: Session, planned: Sequence[PlannedContact]) -> int:
    """Write intentions; return how many were new. Call inside the cycle's transaction."""
    if not planned:
        return 0
    conn = session.connection()
    insert = _insert(conn)
    rows = [
        {
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
        for p in planned
    ]
    stmt = insert(Contact).on_conflict_do_nothing(index_elements=["idempotency_key"])  # type: ignore[attr-defined]
    new = 0
    by_key = {p.idempotency_key: p for p in planned}
    for row in rows:
        result = session.execute(stmt.values(row).returning(col(Contact.id)))
        contact_id = result.scalar_one_or_none()
        if contact_id is None:
            continue
        new += 1
        p = by_key[str(row["idempotency_key"])]
        session.execute(
            sa.insert(ContactInvoice),
            [
                {"contact_id": contact_id, "invoice_id": i, "creditor_id": p.creditor_id}
                for i in p.invoice_ids
            ],
        )
        dossier.record(
            session,
            creditor_id=p.creditor_id,
            debtor_id=p.debtor_id,
            kind="contact_planned",
            actor="scheduler",
            payload={
                "contact_id": contact_id,
                "channel": p.channel,
                "stage": p.stage,
                "scheduled_at": p.scheduled_at.isoformat(),
                "key": p.idempotency_key,
            },
        )
    return new


def claim_due(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int = 50,
    lease: timedelta,
    clock: datetime | None = None,
) -> list[int]:
    """Atomically claim up to ``limit`` due contacts (and expired claims) for ``worker``.
    ``now`` decides what is due; ``clock`` (default ``now``) is the real time leases run on."""
    clock = clock or now
    due = sa.and_(
        col(Contact.scheduled_at) <= now,
        sa.or_(col(Contact.next_attempt_at).is_(None), col(Contact.next_attempt_at) <= now),
        sa.or_(
            col(Contact.status) == ContactStatus.PLANNED.value,
            sa.and_(
                col(Contact.status) == ContactStatus.SENDING.value,
                col(Contact.claimed_until) < clock,
            ),
        ),
    )
    pick = select(Contact.id).where(due).order_by(col(Contact.scheduled_at), col(Contact.id))
    pick = pick.limit(limit)
    if session.connection().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        sa.update(Contact)
        .where(col(Contact.id).in_(pick.scalar_subquery()))
        .values(
            status=ContactStatus.SENDING.value,
            claimed_by=worker,
            claimed_until=clock + lease,
            attempts=col(Contact.attempts) + 1,
        )
        .returning(col(Contact.id))
    )
    ids = sorted(session.execute(stmt).scalars().all())
    session.commit()
    return ids


TRANSACTIONAL = ("payment_thanks",)  # templates that go out whatever the invoices' state


def renew(
    session: Session, contact_id: int, *, worker: str, now: datetime, lease: timedelta
) -> bool:
    """Re-take the lease just before sending: False when another dispatcher holds the item now
    (our lease ran out while earlier items of the batch were sent). A send must finish within
    one lease, so keep the lease longer than the senders' timeouts."""
    stmt = (
        sa.update(Contact)
        .where(
            col(Contact.id) == contact_id,
            col(Contact.claimed_by) == worker,
            col(Contact.status) == ContactStatus.SENDING.value,
        )
        .values(claimed_until=now + lease)
    )
    ok = bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    session.commit()
    return ok


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


def _finish(session: Session, contact_id: int, worker: str, **values: object) -> bool:
    stmt = (
        sa.update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.claimed_by) == worker)
        .values(claimed_by=None, claimed_until=None, **values)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    contact: Contact,
    *,
    worker: str,
    now: datetime,
    receipt: str,
    also: Callable[[Session], None] | None = None,
) -> bool:
    """Mark sent (fenced by the lease) and run ``also`` in the same transaction when it holds."""
    ok = _finish(
        session,
        contact.id or 0,
        worker,
        status=ContactStatus.SENT.value,
        sent_at=now,
        receipt=receipt[:200],
        last_error=None,
    )
    if ok:
        dossier.record(
            session,
            creditor_id=contact.creditor_id,
            debtor_id=contact.debtor_id,
            kind="contact_sent",
            actor="dispatcher",
            occurred_at=now,
            payload={
                "contact_id": contact.id,
                "channel": contact.channel,
                "stage": contact.stage,
                "receipt": receipt,
            },
        )
        if also is not None:
            also(session)
    session.commit()
    return ok


def mark_retry(
    session: Session, contact: Contact, *, worker: str, now: datetime, error: str
) -> None:
    if contact.attempts >= MAX_ATTEMPTS:
        mark_failed(
            session,
            contact,
            worker=worker,
            now=now,
            error=f"gave up after {contact.attempts} attempts: {error}",
        )
        return
    delay = BACKOFF_BASE * (2 ** max(contact.attempts - 1, 0))
    _finish(
        session,
        contact.id or 0,
        worker,
        status=ContactStatus.PLANNED.value,
        next_attempt_at=now + delay,
        last_error=error[:500],
    )
    session.commit()


def postpone(
    session: Session, contact: Contact, *, worker: str, until: datetime | None, reason: str
) -> None:
    """The send moment fell outside the contact window: hand the item back, to be sent at
    ``until`` (the window's next opening), without counting this claim as an attempt. With no
    opening in sight the item is cancelled."""
    if until is None:
        cancel(session, contact, now=utcnow(), reason=reason, worker=worker)
    else:
        _finish(
            session,
            contact.id or 0,
            worker,
            status=ContactStatus.PLANNED.value,
            next_attempt_at=until,
            attempts=col(Contact.attempts) - 1,
            last_error=f"postponed: {reason}"[:500],
        )
    session.commit()


def mark_failed(
    session: Session, contact: Contact, *, worker: str, now: datetime, error: str
) -> None:
    if _finish(
        session, contact.id or 0, worker, status=ContactStatus.FAILED.value, last_error=error[:500]
    ):
        dossier.record(
            session,
            creditor_id=contact.creditor_id,
            debtor_id=contact.debtor_id,
            kind="contact_failed",
            actor="dispatcher",
            occurred_at=now,
            payload={"contact_id": contact.id, "reason": error},
        )
    session.commit()


def cancel(
    session: Session, contact: Contact, *, now: datetime, reason: str, worker: str | None = None
) -> None:
    cond = [col(Contact.id) == contact.id, col(Contact.status).in_(["planned", "sending"])]
    if worker is not None:
        cond.append(col(Contact.claimed_by) == worker)
    changed = session.execute(
        sa.update(Contact)
        .where(*cond)
        .values(
            status=ContactStatus.CANCELLED.value,
            claimed_by=None,
            claimed_until=None,
            last_error=reason[:500],
        )
    ).rowcount  # type: ignore[attr-defined]
    if changed:
        dossier.record(
            session,
            creditor_id=contact.creditor_id,
            debtor_id=contact.debtor_id,
            kind="contact_cancelled",
            actor="dispatcher",
            occurred_at=now,
            payload={"contact_id": contact.id, "reason": reason},
        )


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
