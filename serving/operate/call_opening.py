"""Opening call cases: "call after N days past due" (the invoice's own value, else its
segment's; none: never) opens one case per debtor with five attempts at five moments (different
days and day parts, inside the law's and the creditor's windows:
:func:`serving.senders.call_slots.attempt_slots`). An invoice is in one such case at most. A
promise taken on a call and then broken opens a second, firmer case (``broken_promise``: Soleo
phase 2, announcing the hand-over to collection). No case opens for a debtor the rules keep quiet
(paused, disputed, handed off, a promise pending, excluded segment, phone not usable). Import these
through :mod:`serving.operate.call_cases`. This module must never phone, mail or plan a dunning
contact itself.
"""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, InvoiceStatus
from ledger.tables import CallAttempt, CallCase, Creditor, Debtor, DossierEvent, Invoice, Segment
from policy import state_from_ledger
from serving.senders.call_slots import attempt_slots

PAST_DUE, BROKEN_PROMISE = "past_due", "broken_promise"
OPEN, CLOSED = "open", "closed"


def new_key() -> str:
    return f"CC-{secrets.token_hex(5).upper()}"


def _call_after(invoice: Invoice, segment: Segment | None) -> int | None:
    if invoice.call_after_days is not None:
        return invoice.call_after_days
    return segment.call_after_days if segment is not None else None


def _quiet(session: Session, debtor: Debtor, now: datetime) -> bool:
    """The rules keep this debtor quiet now, or a phone call is not a usable channel."""
    state = state_from_ledger(session, debtor.id or 0, now)
    promise = state.promise_date is not None and state.promise_date >= state.local_day(now)
    phone = Channel.PHONE in state.usable_channels() and bool(debtor.phone)
    held = state.paused or state.disputed or state.handed_off or state.segment_excluded
    return held or promise or not phone


def open_case(
    session: Session,
    creditor: Creditor,
    debtor: Debtor,
    invoices: list[str],
    now: datetime,
    *,
    reason: str = PAST_DUE,
    key: str | None = None,
) -> CallCase:
    """Open one case with its five attempts (in the caller's session)."""
    slots = attempt_slots(
        now,
        country=creditor.country,
        weekdays=creditor.allowed_weekdays,
        minutes=(creditor.contact_start_minute, creditor.contact_end_minute),
    )
    case = CallCase(
        creditor_id=creditor.id or 0,
        debtor_id=debtor.id or 0,
        key=key or new_key(),
        reason=reason,
        invoice_numbers=sorted(invoices),
        opened_at=now,
    )
    session.add(case)
    session.flush()
    for n, at in enumerate(slots, 1):
        session.add(
            CallAttempt(creditor_id=case.creditor_id, case_id=case.id or 0, number=n, planned_at=at)
        )
    dossier.record(
        session,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        kind="call_case_opened",
        occurred_at=now,
        payload={
            "key": case.key,
            "reason": reason,
            "invoices": case.invoice_numbers,
            "attempts": [s.isoformat() for s in slots],
        },
    )
    return case


def open_due_cases(session: Session, creditor: Creditor, now: datetime) -> list[CallCase]:
    """Open every case due by ``now`` for the creditor; returns the new ones."""
    cid = creditor.id or 0
    today = now.astimezone(ZoneInfo(creditor.timezone)).date()
    rows = session.exec(
        select(Invoice, Debtor, Segment)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .outerjoin(Segment, col(Segment.id) == Debtor.segment_id)
        .where(
            Invoice.creditor_id == cid,
            Invoice.status == InvoiceStatus.OPEN.value,
            col(Invoice.open_amount_cents) > 0,
        )
        .order_by(col(Invoice.debtor_id), col(Invoice.number))
    ).all()
    cases = session.exec(select(CallCase).where(CallCase.creditor_id == cid)).all()
    busy = {c.debtor_id for c in cases if c.status == OPEN}
    called = {(c.debtor_id, n) for c in cases if c.reason == PAST_DUE for n in c.invoice_numbers}
    due: dict[int, tuple[Debtor, list[str]]] = {}
    for invoice, debtor, segment in rows:
        days = _call_after(invoice, segment)
        if days is None or invoice.due_date + timedelta(days=days) > today:
            continue
        if debtor.id in busy or (debtor.id, invoice.number) in called:
            continue
        due.setdefault(debtor.id or 0, (debtor, []))[1].append(invoice.number)
    opened = [
        open_case(session, creditor, debtor, numbers, now)
        for debtor, numbers in due.values()
        if not _quiet(session, debtor, now)
    ]
    return opened + _second_calls(session, creditor, now, busy)


def _second_calls(
    session: Session, creditor: Creditor, now: datetime, busy: set[int]
) -> list[CallCase]:
    """Soleo phase 2: a promise taken on a call and broken gets a firmer second call."""
    cid = creditor.id or 0
    broken = session.exec(
        select(DossierEvent).where(
            DossierEvent.creditor_id == cid, DossierEvent.kind == "promise_broken"
        )
    ).all()
    if not broken:
        return []
    promises = {
        int(e.payload.get("outcome_id") or 0): str(e.payload["call_case"])
        for e in session.exec(
            select(DossierEvent).where(
                DossierEvent.creditor_id == cid, DossierEvent.kind == "outcome_promise"
            )
        )
        if e.payload.get("call_case")
    }
    opened = []
    for event in broken:
        first = promises.get(int(event.payload.get("outcome_id") or 0))
        debtor = session.get(Debtor, event.debtor_id) if event.debtor_id else None
        if first is None or debtor is None or debtor.id in busy:
            continue
        key = f"{first}-2"
        if session.exec(select(CallCase.id).where(CallCase.key == key)).first() is not None:
            continue
        numbers = session.exec(
            select(Invoice.number).where(
                Invoice.debtor_id == debtor.id,
                Invoice.status == InvoiceStatus.OPEN.value,
                col(Invoice.open_amount_cents) > 0,
            )
        ).all()
        state = state_from_ledger(session, debtor.id or 0, now)
        if numbers and not (state.paused or state.disputed or state.handed_off or not debtor.phone):
            opened.append(
                open_case(
                    session, creditor, debtor, list(numbers), now, reason=BROKEN_PROMISE, key=key
                )
            )
    return opened


def set_call_after(
    session: Session, creditor_id: int, number: str, days: int | None, *, actor: str
) -> Invoice:
    """Set one invoice's "call after N days past due" (None: the segment's); audited.
    :class:`LookupError` when the creditor has no such invoice."""
    invoice = session.exec(
        select(Invoice).where(Invoice.creditor_id == creditor_id, Invoice.number == number)
    ).first()
    if invoice is None:
        raise LookupError(f"no invoice {number!r}")
    old, invoice.call_after_days = invoice.call_after_days, days
    session.add(invoice)
    dossier.record(
        session,
        creditor_id=creditor_id,
        debtor_id=invoice.debtor_id,
        invoice_id=invoice.id,
        kind="call_after_set",
        actor=actor,
        payload={"invoice": number, "old": old, "new": days},
    )
    return invoice
