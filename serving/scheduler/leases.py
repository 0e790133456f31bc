"""Leases on outbox items: claim what is due, renew the leases held (the heartbeat and just before
a send), and finish an item — sent, retried with backoff, postponed to the window's next opening,
failed or cancelled — each with its dossier event.

Part of the outbox (:mod:`serving.scheduler.outbox` re-exports everything here). A claim is one
atomic ``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING id`` that stamps the
rows with a fresh random ``claim_token``; every renewal and finish is a compare-and-set on that
token (the fence), so a dispatcher whose lease ran out can never renew or overwrite the claim that
replaced it, even under the same worker name. How long a lease is and how often it is renewed:
:mod:`serving.scheduler.lease_budget`. This module must never send anything itself and never
decide what to send.
"""

import uuid
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


def new_token() -> str:
    """A claim token: random, so no two claims ever share one."""
    return uuid.uuid4().hex


def claim_due(
    session: Session,
    *,
    worker: str,
    token: str,
    now: datetime,
    limit: int = 50,
    lease: timedelta,
    clock: datetime | None = None,
) -> list[int]:
    """Atomically claim up to ``limit`` due contacts (and expired claims) for ``worker`` under
    ``token`` (from :func:`new_token`, one per claim). ``now`` decides what is due; ``clock``
    (default ``now``) is the real time leases run on."""
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
            claim_token=token,
            claimed_until=clock + lease,
        )
        .returning(col(Contact.id))
    )
    ids = sorted(session.execute(stmt).scalars().all())
    session.commit()
    return ids


def _extend(
    session: Session,
    now: datetime,
    lease: timedelta,
    *where: sa.ColumnElement[bool],
    **also: object,
) -> int:
    stmt = (
        sa.update(Contact)
        .where(col(Contact.status) == ContactStatus.SENDING.value, *where)
        .values(claimed_until=now + lease, **also)
    )
    held = int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    session.commit()
    return held


def renew_claim(session: Session, token: str, *, now: datetime, lease: timedelta) -> int:
    """The heartbeat: extend every lease still held under ``token``; how many are."""
    return _extend(session, now, lease, col(Contact.claim_token) == token)


def renew(
    session: Session, contact_id: int, *, token: str, now: datetime, lease: timedelta
) -> bool:
    """Re-take the lease just before sending, and count the attempt: False when the claim under
    ``token`` is gone (its lease ran out while the dispatcher stalled, and another claimed the
    item). An attempt is counted here, not at the claim, because a claim covers a whole batch: a
    dispatcher killed on its first item would otherwise spend one of :data:`MAX_ATTEMPTS` of every
    item it never reached, and a few crashes in a row would fail them on their first timeout."""
    return bool(
        _extend(
            session,
            now,
            lease,
            col(Contact.id) == contact_id,
            col(Contact.claim_token) == token,
            attempts=col(Contact.attempts) + 1,
        )
    )


def _finish(session: Session, contact_id: int, token: str, **values: object) -> bool:
    """Compare-and-set on the claim token: False (and nothing written) when the claim is gone."""
    stmt = (
        sa.update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.claim_token) == token)
        .values(claimed_by=None, claimed_until=None, claim_token=None, **values)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    contact: Contact,
    *,
    token: str,
    now: datetime,
    receipt: str,
    also: Callable[[Session], None] | None = None,
) -> bool:
    """Mark sent (fenced by the lease) and run ``also`` in the same transaction when it holds."""
    ok = _finish(
        session,
        contact.id or 0,
        token,
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
    session: Session,
    contact: Contact,
    *,
    token: str,
    now: datetime,
    error: str,
    backoff: timedelta = BACKOFF_BASE,
) -> None:
    """Hand the item back for another attempt after ``backoff × 2^(attempts − 1)``; give up (failed)
    after :data:`MAX_ATTEMPTS`."""
    if contact.attempts >= MAX_ATTEMPTS:
        mark_failed(
            session,
            contact,
            token=token,
            now=now,
            error=f"gave up after {contact.attempts} attempts: {error}",
        )
        return
    delay = backoff * (2 ** max(contact.attempts - 1, 0))
    _finish(
        session,
        contact.id or 0,
        token,
        status=ContactStatus.PLANNED.value,
        next_attempt_at=now + delay,
        last_error=error[:500],
    )
    session.commit()


def postpone(
    session: Session, contact: Contact, *, token: str, until: datetime | None, reason: str
) -> None:
    """The send moment fell outside the contact window: hand the item back, to be sent at
    ``until`` (the window's next opening), giving back the attempt :func:`renew` counted (nothing
    was sent). With no opening in sight the item is cancelled."""
    if until is None:
        cancel(session, contact, now=utcnow(), reason=reason, token=token)
    else:
        _finish(
            session,
            contact.id or 0,
            token,
            status=ContactStatus.PLANNED.value,
            next_attempt_at=until,
            attempts=col(Contact.attempts) - 1,
            last_error=f"postponed: {reason}"[:500],
        )
    session.commit()


def mark_failed(
    session: Session, contact: Contact, *, token: str, now: datetime, error: str
) -> None:
    if _finish(
        session, contact.id or 0, token, status=ContactStatus.FAILED.value, last_error=error[:500]
    ):
        _log(session, contact, "contact_failed", now, reason=error)
    session.commit()


def cancel(
    session: Session, contact: Contact, *, now: datetime, reason: str, token: str | None = None
) -> None:
    """Cancel a planned or claimed contact; with ``token``, only while that claim holds."""
    cond = [col(Contact.id) == contact.id, col(Contact.status).in_(["planned", "sending"])]
    if token is not None:
        cond.append(col(Contact.claim_token) == token)
    changed = session.execute(
        sa.update(Contact)
        .where(*cond)
        .values(
            status=ContactStatus.CANCELLED.value,
            claimed_by=None,
            claimed_until=None,
            claim_token=None,
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
