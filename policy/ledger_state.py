"""Build a :class:`~policy.flow_state.DebtorState` from the ledger tables, as of a moment.

Reads Creditor, Segment, Debtor, Invoice, Contact, Outcome and DossierEvent; writes nothing. Only
facts known at ``now`` are used (contacts planned for later count too: they occupy their day).
Dossier event kinds read here: ``paused``/``resumed``, ``dispute_resolved``,
``fourteen_day_letter_sent`` (payload: ``contact_id``, ``costs_cents``, ``wording_valid``,
``invoice_ids``) and ``fourteen_day_letter_received`` (payload: ``received_on``). This module must
never write to the ledger or read another creditor's rows.
"""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ledger.enums import (
    Channel,
    ContactStatus,
    Country,
    DebtorKind,
    InvoiceStatus,
    OutcomeKind,
    Stage,
)
from ledger.tables import Contact, Creditor, Debtor, DossierEvent, Invoice, Outcome, Segment
from policy.flow_state import (
    CreditorSettings,
    DebtorState,
    OpenInvoice,
    reachable_channels,
    stage_rank,
)
from policy.fourteen_day_letter import LetterRecord

_AMS = ZoneInfo("Europe/Amsterdam")
_LIVE = (ContactStatus.PLANNED, ContactStatus.SENT, ContactStatus.DELIVERED)


def creditor_settings(row: Creditor) -> CreditorSettings:
    costs = {Channel(k): int(v) for k, v in row.channel_costs_cents.items() if k in set(Channel)}
    return CreditorSettings(
        name=row.name,
        country=Country(row.country),
        timezone=row.timezone,
        allowed_weekdays=frozenset(int(d) for d in row.allowed_weekdays),
        contact_start_minute=row.contact_start_minute,
        contact_end_minute=row.contact_end_minute,
        channel_costs_cents=costs,
        min_gap_days=row.min_gap_days,
        vat_deductible=row.vat_deductible,
        collection_outsourced=row.collection_outsourced,
        language=row.language,
    )


def _latest(events: list[DossierEvent], *kinds: str) -> DossierEvent | None:
    hits = [e for e in events if e.kind in kinds]
    return hits[-1] if hits else None


def _letter(events: list[DossierEvent]) -> LetterRecord | None:
    sent = _latest(events, "fourteen_day_letter_sent")
    if sent is None:
        return None
    p: dict[str, Any] = sent.payload
    received = None
    got = _latest(events, "fourteen_day_letter_received")
    if got is not None and got.occurred_at >= sent.occurred_at:
        raw = got.payload.get("received_on")
        received = date.fromisoformat(raw) if raw else got.occurred_at.astimezone(_AMS).date()
    return LetterRecord(
        sent_on=sent.occurred_at.astimezone(_AMS).date(),
        stated_costs_cents=int(p.get("costs_cents", 0)),
        wording_valid=bool(p.get("wording_valid", True)),
        received_on=received,
        invoice_ids=tuple(int(i) for i in p.get("invoice_ids", [])),
    )


def state_from_ledger(session: Session, debtor_id: int, now: datetime) -> DebtorState:
    """The debtor's state as of ``now`` (aware)."""
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise LookupError(f"no debtor with id {debtor_id}")
    creditor = session.get(Creditor, debtor.creditor_id)
    assert creditor is not None
    segment = session.get(Segment, debtor.segment_id) if debtor.segment_id else None
    cid = debtor.creditor_id
    invoices = session.exec(
        select(Invoice).where(Invoice.creditor_id == cid, Invoice.debtor_id == debtor_id)
    ).all()
    contacts = session.exec(
        select(Contact).where(
            Contact.creditor_id == cid,
            Contact.debtor_id == debtor_id,
            col(Contact.status).in_([s.value for s in _LIVE]),
        )
    ).all()
    outcomes = session.exec(
        select(Outcome)
        .where(
            Outcome.creditor_id == cid, Outcome.debtor_id == debtor_id, Outcome.occurred_at <= now
        )
        .order_by(col(Outcome.occurred_at))
    ).all()
    events = list(
        session.exec(
            select(DossierEvent)
            .where(
                DossierEvent.creditor_id == cid,
                DossierEvent.debtor_id == debtor_id,
                DossierEvent.occurred_at <= now,
            )
            .order_by(col(DossierEvent.occurred_at), col(DossierEvent.id))
        )
    )
    times = tuple(t for c in contacts if (t := c.sent_at or c.scheduled_at) is not None)
    open_invoices = tuple(
        OpenInvoice(
            id=i.id or 0,
            number=i.number,
            amount_cents=i.amount_cents,
            open_amount_cents=i.open_amount_cents,
            due_date=i.due_date,
            status=InvoiceStatus(i.status),
        )
        for i in invoices
        if i.status != InvoiceStatus.PAID and i.open_amount_cents > 0
    )
    pause = _latest(events, "paused", "resumed")
    disputes = [o for o in outcomes if o.kind == OutcomeKind.DISPUTE]
    resolved = _latest(events, "dispute_resolved")
    disputed = bool(disputes) and (
        resolved is None or resolved.occurred_at < disputes[-1].occurred_at
    )
    promises = [o for o in outcomes if o.kind == OutcomeKind.PROMISE and o.promised_date]
    stages = [Stage(c.stage) for c in contacts if c.stage in set(Stage)]
    oldest_due = min((i.due_date for i in open_invoices), default=None)
    done = sum(1 for t in times if oldest_due and t.astimezone(_AMS).date() > oldest_due)
    return DebtorState(
        debtor_id=debtor_id,
        kind=DebtorKind(debtor.kind),
        creditor=creditor_settings(creditor),
        invoices=open_invoices,
        country=Country(debtor.country or creditor.country),
        language=debtor.language,
        segment=segment.name if segment else None,
        segment_excluded=bool(segment and segment.excluded),
        segment_ladder=tuple(segment.ladder) if segment and segment.ladder else None,
        contact_times=times,
        paused=pause is not None and pause.kind == "paused",
        disputed=disputed,
        promise_date=promises[-1].promised_date if promises else None,
        reachable=reachable_channels(
            email=debtor.email,
            phone=debtor.phone,
            address_line=debtor.address_line,
            postal_code=debtor.postal_code,
        ),
        opted_out=frozenset(Channel(c) for c in debtor.opted_out_channels if c in set(Channel)),
        stage=max(stages, key=stage_rank, default=Stage.REMINDER),
        letter=_letter(events),
        ladder_done=done,
    )
