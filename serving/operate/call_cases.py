"""Call cases (the InstallatiePortal and Soleo seeds): who to phone today, five times at most.

* :func:`open_due_cases`, :func:`open_case`, :func:`set_call_after` — opening cases "call after N
  days past due", and the second, firmer call after a promise taken on a call was broken
  (:mod:`serving.operate.call_opening`, re-exported here);
* :func:`worklist` — today's calls of one creditor in calling order, with numbers, open invoices
  and a script; what the web app shows and what :func:`write_call_list` puts in the creditor's
  own file ``<outbox>/call_cases/<creditor>/<day>.csv`` (one file per creditor per day).

Outcomes are recorded by :mod:`serving.operate.call_outcomes`. This module must never phone,
mail or plan a dunning contact itself.
"""

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger.enums import InvoiceStatus
from ledger.tables import CallAttempt, CallCase, Creditor, Debtor, Invoice
from policy.money import to_decimal_string
from serving.operate.call_opening import (
    BROKEN_PROMISE,
    CLOSED,
    OPEN,
    PAST_DUE,
    new_key,
    open_case,
    open_due_cases,
    set_call_after,
)
from serving.senders.formatting import format_money, normalise_phone, safe_name

__all__ = [
    "BROKEN_PROMISE",
    "CLOSED",
    "LIST_COLUMNS",
    "OPEN",
    "PAST_DUE",
    "OpenLine",
    "WorkItem",
    "new_key",
    "open_case",
    "open_due_cases",
    "script",
    "set_call_after",
    "worklist",
    "write_call_list",
]

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
    """Write the creditor's call list of ``day`` (the worklist as CSV), replacing it whole; a day
    without calls leaves no file (an earlier list of that day is emptied)."""
    items = worklist(session, creditor.id or 0, day)
    path = outbox_dir / "call_cases" / safe_name(creditor.name) / f"{day.isoformat()}.csv"
    if not items and not path.exists():
        return path
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    return path
