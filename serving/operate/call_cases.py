"""Call cases (the InstallatiePortal and Soleo seeds): who to phone today, five times at most.

* :func:`open_due_cases` — once a debtor's open invoice is ``call_after_days`` past due (the
  invoice's own value, else its segment's; none: never), one case is opened per debtor with five
  attempts at five moments (different days and day parts, inside the law's and the creditor's
  windows: :func:`serving.senders.call_slots.attempt_slots`). An invoice is in one such case at
  most. A promise taken on a call and then broken opens a second, firmer case (``broken_promise``:
  Soleo phase 2, announcing the hand-over to collection). No case opens for a debtor the rules
  keep quiet (paused, disputed, a promise pending, excluded segment, phone not usable).
* :func:`worklist` — today's calls of one creditor in calling order, with numbers, open invoices
  and a script; what the web app shows and what :func:`write_call_list` puts in the creditor's
  own file ``<outbox>/call_cases/<creditor>/<day>.csv`` (one file per creditor per day).

Outcomes are recorded by :mod:`serving.operate.call_outcomes`. This module must never phone,
mail or plan a dunning contact itself.
"""

import csv
import io
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, InvoiceStatus
from ledger.tables import CallAttempt, CallCase, Creditor, Debtor, DossierEvent, Invoice, Segment
from policy import state_from_ledger
from policy.money import to_decimal_string
from serving.senders.call_slots import attempt_slots
from serving.senders.formatting import format_money, normalise_phone, safe_name

PAST_DUE, BROKEN_PROMISE = "past_due", "broken_promise"
OPEN, CLOSED = "open", "closed"
LIST_COLUMNS = (
    "row_key",
    "attempt",
    "planned_at",
    "debtor_external_id",
    "debtor_name",
    "phone_numbers",
    "language",
    "invoices",
    "total_open",
    "reason",
    "script",
)


@dataclass(frozen=True)
class OpenLine:
    number: str
    due_date: date
    open_cents: int


@dataclass(frozen=True)
class WorkItem:
    """One call to make today: quote ``row_key`` (the case's key) when reporting its outcome."""

    row_key: str
    attempt: int
    planned_at: datetime
    debtor_id: int
    debtor_external_id: str
    debtor_name: str
    phone_numbers: tuple[str, ...]
    language: str
    reason: str
    invoices: tuple[OpenLine, ...]
    total_open_cents: int
    script: str
    earlier: tuple[str, ...] = field(default=())  # outcomes of the earlier attempts


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
    return state.paused or state.disputed or state.segment_excluded or promise or not phone


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
        if numbers and not (state.paused or state.disputed or not debtor.phone):
            opened.append(
                open_case(
                    session, creditor, debtor, list(numbers), now, reason=BROKEN_PROMISE, key=key
                )
            )
    return opened


def script(reason: str, creditor: str, lines: list[OpenLine], language: str) -> str:
    numbers = ", ".join(line.number for line in lines)
    total = format_money(sum(line.open_cents for line in lines), language)
    if reason == BROKEN_PROMISE:
        return (
            f"On behalf of {creditor}: the promised payment of {total} for {numbers} has not "
            "arrived. Ask for payment within 5 working days; say that otherwise the claim goes "
            "to a collection agency at the debtor's cost. Record: promise (date), paid, "
            "wants_copy, complaint, dispute, unreachable or no_answer."
        )
    return (
        f"On behalf of {creditor}, friendly: {numbers} ({total}) is past due. Ask whether the "
        "invoice arrived and when it will be paid. Record: promise (date), paid, wants_copy, "
        "complaint, dispute, unreachable or no_answer."
    )


def worklist(
    session: Session, creditor_id: int, day: date, zone: ZoneInfo | str | None = None
) -> list[WorkItem]:
    """The open cases with an attempt planned on ``day`` (in ``zone``, default the creditor's),
    each at its first unreported attempt of the day, in calling order."""
    creditor = session.get(Creditor, creditor_id)
    if creditor is None:
        return []
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone or ZoneInfo(creditor.timezone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    rows = session.exec(
        select(CallAttempt, CallCase)
        .join(CallCase, col(CallCase.id) == CallAttempt.case_id)
        .where(
            CallAttempt.creditor_id == creditor_id,
            CallCase.status == OPEN,
            col(CallAttempt.outcome).is_(None),
            col(CallAttempt.planned_at) >= start,
            col(CallAttempt.planned_at) < start + timedelta(days=1),
        )
        .order_by(col(CallAttempt.planned_at), col(CallAttempt.number))
    ).all()
    items: list[WorkItem] = []
    seen: set[int] = set()
    for attempt, case in rows:
        if case.id in seen:
            continue
        seen.add(case.id or 0)
        items.append(_item(session, creditor, case, attempt))
    return items


def _item(session: Session, creditor: Creditor, case: CallCase, attempt: CallAttempt) -> WorkItem:
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None  # a foreign key
    invoices = session.exec(
        select(Invoice)
        .where(
            Invoice.debtor_id == debtor.id,
            Invoice.status == InvoiceStatus.OPEN.value,
            col(Invoice.open_amount_cents) > 0,
        )
        .order_by(col(Invoice.due_date), col(Invoice.number))
    ).all()
    lines = [OpenLine(i.number, i.due_date, i.open_amount_cents) for i in invoices]
    earlier = session.exec(
        select(CallAttempt.outcome)
        .where(CallAttempt.case_id == case.id, col(CallAttempt.number) < attempt.number)
        .order_by(col(CallAttempt.number))
    ).all()
    phones = [debtor.phone] if debtor.phone else []
    return WorkItem(
        row_key=case.key,
        attempt=attempt.number,
        planned_at=attempt.planned_at,
        debtor_id=debtor.id or 0,
        debtor_external_id=debtor.external_id,
        debtor_name=debtor.name,
        phone_numbers=tuple(normalise_phone(p, debtor.country) for p in phones),
        language=debtor.language,
        reason=case.reason,
        invoices=tuple(lines),
        total_open_cents=sum(line.open_cents for line in lines),
        script=script(case.reason, creditor.name, lines, debtor.language),
        earlier=tuple(str(o) for o in earlier),
    )


def write_call_list(session: Session, creditor: Creditor, day: date, outbox_dir: Path) -> Path:
    """Write the creditor's call list of ``day`` (the worklist as CSV), replacing it whole."""
    items = worklist(session, creditor.id or 0, day)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LIST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    zone = ZoneInfo(creditor.timezone)
    for item in items:
        writer.writerow(
            {
                "row_key": item.row_key,
                "attempt": item.attempt,
                "planned_at": item.planned_at.astimezone(zone).isoformat(timespec="minutes"),
                "debtor_external_id": item.debtor_external_id,
                "debtor_name": item.debtor_name,
                "phone_numbers": " ".join(item.phone_numbers),
                "language": item.language,
                "invoices": " ".join(line.number for line in item.invoices),
                "total_open": to_decimal_string(item.total_open_cents),
                "reason": item.reason,
                "script": item.script,
            }
        )
    path = outbox_dir / "call_cases" / safe_name(creditor.name) / f"{day.isoformat()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    return path


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
