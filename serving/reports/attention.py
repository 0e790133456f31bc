"""Invoices that need the client's attention this week, for the weekly digest.

The rules (every date is a calendar date in the creditor's books; ``as_of`` is the digest's day):

* **disputed** — the invoice's status is ``disputed`` (it has left the flow until the client acts).
* **broken promise** — the debtor's latest promise (an ``Outcome`` of kind ``promise``, made on or
  before ``as_of``) has a ``promised_date`` before ``as_of`` and the invoices it covered (the
  contact's invoices, else all the debtor's) are still open.
* **complaint** — an ``Outcome`` of kind ``complaint`` in the last 14 days
  (``as_of`` − 13 … ``as_of``).
* **ready for collection** — still ``open`` (not disputed, paused or already in collection) and
  either (B2C) a 14-day letter covering it was sent and its costs are due (``policy``: sending + 21
  days without proof of receipt), or (B2B, no letter needed) more than 60 days past its due date.
* **14-day letter expiring** — a 14-day letter was sent and its costs become due within the next 7
  days (``as_of`` < due day ≤ ``as_of`` + 7), and the invoice is still open.

An invoice appears once per reason; the list is ranked by urgency (:data:`KINDS`), then amount;
the digest and the Overview show the first :data:`SHOWN` and say how many more there are.
This module only reads the ledger.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger.enums import ContactStatus, DebtorKind, InvoiceStatus, OutcomeKind, Stage
from ledger.tables import Contact, ContactInvoice, Debtor, Invoice, Outcome
from policy.fourteen_day_letter import costs_due_on

SHOWN = 10  # the top of the list a person reads; the rest is counted ("and 31 more")
B2B_COLLECTION_DAYS = 60
COMPLAINT_DAYS = 14
EXPIRING_DAYS = 7
# most urgent first, and the list is in this order (the larger amount first within a reason):
# money that can go to collection now, a promise broken, 14-day letter costs falling due this
# week, a complaint, a dispute waiting for the client
KINDS = ("ready_for_collection", "broken_promise", "letter_expiring", "complaint", "disputed")
_OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PAUSED, InvoiceStatus.DISPUTED)


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # one of KINDS
    debtor_name: str
    invoice_number: str | None
    open_amount_cents: int
    on: date | None  # the date that matters: promised, complaint, letter costs due, due date
    on_is: str = "due"  # what ``on`` is: due, promised, complained, costs_due (its label's key)


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _letters(session: Session, cid: int, zone: ZoneInfo, before: datetime) -> dict[int, date]:
    """{invoice_id: day its 14-day letter's costs become due}, latest letter per invoice."""
    rows = session.exec(
        select(ContactInvoice.invoice_id, Contact.sent_at, Contact.debtor_id)
        .join(Contact, col(Contact.id) == col(ContactInvoice.contact_id))
        .where(
            Contact.creditor_id == cid,
            Contact.stage == Stage.FOURTEEN_DAY_LETTER,
            col(Contact.status).in_((ContactStatus.SENT, ContactStatus.DELIVERED)),
            col(Contact.sent_at) < before,
        )
    ).all()
    due: dict[int, date] = {}
    for inv_id, sent_at, _ in rows:
        if sent_at is None:
            continue
        day = costs_due_on(sent_on=sent_at.astimezone(zone).date())
        due[inv_id] = max(due.get(inv_id, day), day)
    return due


def _broken_promises(
    session: Session, cid: int, as_of: date, before: datetime, open_inv: dict[int, Invoice]
) -> list[tuple[Invoice, date]]:
    promises = session.exec(
        select(Outcome)
        .where(
            Outcome.creditor_id == cid,
            Outcome.kind == OutcomeKind.PROMISE,
            col(Outcome.occurred_at) < before,
        )
        .order_by(col(Outcome.occurred_at), col(Outcome.id))
    ).all()
    latest: dict[int, Outcome] = {p.debtor_id: p for p in promises}  # later ones win
    out: list[tuple[Invoice, date]] = []
    for promise in latest.values():
        if promise.promised_date is None or promise.promised_date >= as_of:
            continue
        covered: set[int] | None = None
        if promise.contact_id is not None:
            covered = set(
                session.exec(
                    select(ContactInvoice.invoice_id).where(
                        ContactInvoice.contact_id == promise.contact_id
                    )
                ).all()
            )
        for inv in open_inv.values():
            if inv.debtor_id == promise.debtor_id and (covered is None or inv.id in covered):
                out.append((inv, promise.promised_date))
    return out


def attention_items(
    session: Session, *, creditor_id: int, as_of: date, timezone: str
) -> list[AttentionItem]:
    """Every reason to look at an invoice (or a debtor, for a complaint) this week."""
    zone = ZoneInfo(timezone)
    before = _end_of(as_of, zone)
    invoices = session.exec(
        select(Invoice).where(
            Invoice.creditor_id == creditor_id,
            col(Invoice.status).in_(_OPEN),
            Invoice.open_amount_cents > 0,
            col(Invoice.issue_date) <= as_of,
        )
    ).all()
    open_inv = {inv.id: inv for inv in invoices if inv.id is not None}
    debtors = {
        d.id: d for d in session.exec(select(Debtor).where(Debtor.creditor_id == creditor_id))
    }

    def item(kind: str, inv: Invoice, on: date | None, on_is: str = "due") -> AttentionItem:
        return AttentionItem(
            kind, debtors[inv.debtor_id].name, inv.number, inv.open_amount_cents, on, on_is
        )

    items = [
        item("disputed", inv, inv.due_date)
        for inv in open_inv.values()
        if inv.status == InvoiceStatus.DISPUTED
    ]
    items += [
        item("broken_promise", inv, promised, "promised")
        for inv, promised in _broken_promises(session, creditor_id, as_of, before, open_inv)
    ]
    complaints = session.exec(
        select(Outcome).where(
            Outcome.creditor_id == creditor_id,
            Outcome.kind == OutcomeKind.COMPLAINT,
            col(Outcome.occurred_at) >= _end_of(as_of - timedelta(days=COMPLAINT_DAYS), zone),
            col(Outcome.occurred_at) < before,
        )
    ).all()
    for outcome in complaints:
        owed = sum(
            i.open_amount_cents for i in open_inv.values() if i.debtor_id == outcome.debtor_id
        )
        items.append(
            AttentionItem(
                "complaint",
                debtors[outcome.debtor_id].name,
                None,
                owed,
                outcome.occurred_at.astimezone(zone).date(),
                "complained",
            )
        )
    letters = _letters(session, creditor_id, zone, before)
    for inv in open_inv.values():
        if inv.status != InvoiceStatus.OPEN:
            continue
        due = letters.get(inv.id) if inv.id is not None else None
        is_b2b = debtors[inv.debtor_id].kind == DebtorKind.B2B
        if due is not None and due <= as_of:
            items.append(item("ready_for_collection", inv, due, "costs_due"))
        elif is_b2b and (as_of - inv.due_date).days > B2B_COLLECTION_DAYS:
            items.append(item("ready_for_collection", inv, inv.due_date))
        if due is not None and as_of < due <= as_of + timedelta(days=EXPIRING_DAYS):
            items.append(item("letter_expiring", inv, due, "costs_due"))
    order = {kind: n for n, kind in enumerate(KINDS)}
    items.sort(key=lambda i: (order[i.kind], -i.open_amount_cents, i.invoice_number or ""))
    return items
