"""Build a :class:`~policy.flow_state.DebtorState` from the ledger tables, as of a moment.

Reads Creditor, Segment, Debtor, Invoice, Contact, Outcome and DossierEvent; writes nothing. Only
facts known at ``now`` are used (contacts planned for later count too: they occupy their day).
Dossier event kinds read here: ``paused``/``resumed``, ``dispute_resolved``,
``fourteen_day_letter_sent`` (payload: ``contact_id``, ``costs_cents``, ``wording_valid``,
``invoice_ids``) and ``fourteen_day_letter_received`` (payload: ``received_on``). This module must
never write to the ledger or read another creditor's rows.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
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
# the only dossier kinds the state reads (the log holds far more: invoices issued, payments…)
_EVENT_KINDS = (
    "paused",
    "resumed",
    "dispute_resolved",
    "fourteen_day_letter_sent",
    "fourteen_day_letter_received",
)


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
    found = states_from_ledger(session, [debtor_id], now)
    if debtor_id not in found:
        raise LookupError(f"no debtor with id {debtor_id}")
    return found[debtor_id]


def states_from_ledger(
    session: Session, debtor_ids: Sequence[int], now: datetime
) -> dict[int, DebtorState]:
    """Many debtors' states as of ``now`` in a handful of queries (one per table, not per
    debtor); unknown ids are left out of the result."""
    ids = sorted({int(i) for i in debtor_ids})
    if not ids:
        return {}
    debtors = session.exec(select(Debtor).where(col(Debtor.id).in_(ids))).all()
    creditor_ids = sorted({d.creditor_id for d in debtors})
    creditors = {
        c.id: c for c in session.exec(select(Creditor).where(col(Creditor.id).in_(creditor_ids)))
    }
    segment_ids = sorted({d.segment_id for d in debtors if d.segment_id})
    segments = {
        s.id: s for s in session.exec(select(Segment).where(col(Segment.id).in_(segment_ids)))
    }
    invoices = _by_debtor(session.exec(select(Invoice).where(col(Invoice.debtor_id).in_(ids))))
    contacts = _by_debtor(
        session.exec(
            select(Contact).where(
                col(Contact.debtor_id).in_(ids),
                col(Contact.status).in_([s.value for s in _LIVE]),
            )
        )
    )
    outcomes = _by_debtor(
        session.exec(
            select(Outcome)
            .where(col(Outcome.debtor_id).in_(ids), Outcome.occurred_at <= now)
            .order_by(col(Outcome.occurred_at))
        )
    )
    events = _by_debtor(
        session.exec(
            select(DossierEvent)
            .where(
                col(DossierEvent.debtor_id).in_(ids),
                col(DossierEvent.kind).in_(_EVENT_KINDS),
                DossierEvent.occurred_at <= now,
            )
            .order_by(col(DossierEvent.occurred_at), col(DossierEvent.id))
        )
    )
    out = {}
    for debtor in debtors:
        creditor = creditors[debtor.creditor_id]
        did = debtor.id or 0
        mine = [r for r in invoices.get(did, []) if r.creditor_id == debtor.creditor_id]
        out[did] = _build(
            debtor,
            creditor,
            segments.get(debtor.segment_id) if debtor.segment_id else None,
            mine,
            [c for c in contacts.get(did, []) if c.creditor_id == debtor.creditor_id],
            [o for o in outcomes.get(did, []) if o.creditor_id == debtor.creditor_id],
            [e for e in events.get(did, []) if e.creditor_id == debtor.creditor_id],
        )
    return out


def _by_debtor(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.debtor_id].append(row)
    return grouped


def _build(
    debtor: Debtor,
    creditor: Creditor,
    segment: Segment | None,
    invoices: list[Invoice],
    contacts: list[Contact],
    outcomes: list[Outcome],
    events: list[DossierEvent],
) -> DebtorState:
    debtor_id = debtor.id or 0
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
