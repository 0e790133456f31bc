"""Leases on outbox items: claim what is due, re-take the lease before a send, and finish an
item — sent (fenced by the lease), retried with backoff, postponed to the window's next opening,
failed or cancelled — each with its dossier event.

Part of the outbox (:mod:`serving.scheduler.outbox` re-exports everything here). A claim is one
atomic ``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING id``; every finish is
fenced by ``claimed_by`` so a dispatcher whose lease ran out cannot overwrite another's result.
This module must never send anything itself and never decide what to send.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import ContactStatus
from ledger.tables import Contact
from ledger.types import utcnow

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=5)


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
        _log(
            session,
            contact,
            "contact_sent",
            now,
            channel=contact.channel,
            stage=contact.stage,
            receipt=receipt,
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
        _log(session, contact, "contact_failed", now, reason=error)
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
        _log(session, contact, "contact_cancelled", now, reason=reason)


def _log(session: Session, contact: Contact, kind: str, now: datetime, **payload: object) -> None:
    """A contact's lifecycle event in the dossier, written by the dispatcher."""
    dossier.record(
        session,
        creditor_id=contact.creditor_id,
        debtor_id=contact.debtor_id,
        kind=kind,
        actor="dispatcher",
        occurred_at=now,
        payload={"contact_id": contact.id, **payload},
    )
