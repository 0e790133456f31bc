"""Build a :class:`~policy.flow_state.DebtorState` from the ledger tables, as of a moment.

Reads Creditor, Segment, Debtor, Invoice, Contact, Outcome and DossierEvent; writes nothing. Only
facts known at ``now`` are used (contacts planned for later count too: they occupy their day).
Dossier event kinds read here: ``paused`` (payload: ``until``, the day it ends, or none: until
resumed)/``resumed``, ``channel_unreachable`` (payload: ``channel``), ``dispute_resolved``,
``fourteen_day_letter_sent`` (payload: ``contact_id``, ``costs_cents``, ``wording_valid``,
``invoice_ids``), ``fourteen_day_letter_received`` (payload: ``received_on``) and
``channel_unusable`` (payload: ``channel``, ``address``; it counts while that address is still the
debtor's, see :mod:`ledger.addresses`), ``handed_off`` (to collection: the flow stops for good).
This module must never write to the ledger or read another creditor's rows.

This is on the scoring API's path for every request (usually one debtor) and loads the scheduler's
batches, so it reads with two Core statements per chunk of debtors, built once below so that
SQLAlchemy reuses their compiled form, and no ORM entities: the debtors joined to their creditor
and segment (its channel and tone bounds too), then one UNION ALL of their open invoices,
contacts, disputes and promises and the dossier events above, only the columns the state
needs. Every part is ordered (by id, or by time then id), so "the latest" and the order of the
tuples never depend on a query plan or a database.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from ledger.addresses import UNUSABLE, channel_address
from ledger.enums import (
    Channel,
    ContactStatus,
    Country,
    DebtorKind,
    InvoiceStatus,
    OutcomeKind,
    Stage,
    Tone,
)
from ledger.tables import Contact, Creditor, Debtor, DossierEvent, Invoice, Outcome, Segment
from ledger.types import UTCDateTime
from policy.flow_state import (
    CreditorSettings,
    DebtorState,
    OpenInvoice,
    RulesConfig,
    pause_in_force,
    reachable_channels,
    stage_rank,
)
from policy.fourteen_day_letter import LetterRecord
from policy.segments import tones_between

_AMS = ZoneInfo("Europe/Amsterdam")
_DAY = timedelta(days=1)
_CHANNELS = frozenset(c.value for c in Channel)
# value -> member lookups: calling the enum per row cost more than building the row
_STAGES = {s.value: s for s in Stage}
_INVOICE_STATUSES = {s.value: s for s in InvoiceStatus}
_KINDS = {k.value: k for k in DebtorKind}
_RANKS = {s: stage_rank(s) for s in Stage}
_LIVE = frozenset(
    s.value for s in (ContactStatus.PLANNED, ContactStatus.SENT, ContactStatus.DELIVERED)
)
# the only dossier kinds the state reads (the log holds far more: invoices issued, payments…)
_EVENT_KINDS = (
    "paused",
    "resumed",
    "dispute_resolved",
    "fourteen_day_letter_sent",
    "fourteen_day_letter_received",
    UNUSABLE,
    "channel_unreachable",
    "handed_off",
)
# Debtors per pair of queries for a list. The union repeats the list in each of its four parts,
# and SQLite builds before 3.32 allow only 999 bound variables in a statement.
_SQLITE_CHUNK, _CHUNK = 240, 2_000
_NO_FACTS: tuple[list[Any], ...] = ([], [], [], [])
_NO_BOUNDS: tuple[frozenset[Channel] | None, frozenset[Tone] | None] = (None, None)
_RULES = RulesConfig()  # shared: the field's default builds one, tables and all, per state
_NOW = sa.bindparam("now", type_=UTCDateTime())
_PART_INVOICE, _PART_CONTACT, _PART_OUTCOME, _PART_EVENT = range(4)
_ID, _AT, _TEXT, _STATUS, _AMOUNT, _OPEN, _DATE, _TIME, _PAYLOAD = range(3, 12)


# the union's columns after part, debtor_id, creditor_id and id; rows are read by position
_LAYOUT: dict[str, sa.types.TypeEngine[Any]] = {
    "at": UTCDateTime(),  # outcomes' and events' occurred_at
    "text": sa.String(),  # invoice number, contact stage, outcome or event kind
    "status": sa.String(),  # invoice or contact status
    "amount": sa.BigInteger(),
    "open_amount": sa.BigInteger(),
    "day": sa.Date(),  # due date, promised date
    "time": UTCDateTime(),  # a contact's: sent, else scheduled
    "payload": sa.JSON(),
}


def _null(type_: sa.types.TypeEngine[Any]) -> sa.ColumnElement[Any]:
    # typed, because PostgreSQL resolves a UNION column of untyped NULLs as text
    return sa.cast(sa.null(), type_)


def _one_of(column: Any, values: tuple[str, ...]) -> sa.ColumnElement[bool]:
    # Our own constants, written into the SQL: a list of values would be an expanding parameter,
    # rendered anew at every execution.
    assert all(v.isidentifier() for v in values)
    return col(column).in_([sa.literal_column(f"'{v}'", sa.String) for v in values])


def _text(json_column: Any) -> sa.ColumnElement[str]:
    # decoded in Python, once per distinct text (see ``_load``), not once per row
    return sa.cast(json_column, sa.Text)


def _part(
    part: int, table: Any, of: Callable[[Any], Any], **columns: Any
) -> sa.Select[*tuple[Any, ...]]:
    """One table's rows in the union's layout (a typed NULL for what it has not)."""
    return sa.select(
        sa.literal_column(str(part), sa.Integer).label("part"),
        col(table.debtor_id).label("debtor_id"),
        col(table.creditor_id).label("creditor_id"),
        col(table.id).label("id"),
        *(
            (sa.type_coerce(columns[k], t) if k in columns else _null(t)).label(k)
            for k, t in _LAYOUT.items()
        ),
    ).where(of(table.debtor_id))


def _statements(of: Callable[[Any], Any]) -> tuple[sa.Executable, sa.Executable]:
    """The debtors' rows (with their creditor's and segment's) and everything else about them in
    one union, for the debtors that ``of(column holding a debtor id)`` selects."""
    debtors = (
        sa.select(
            col(Debtor.id),
            col(Debtor.kind),
            col(Debtor.country),
            col(Debtor.language),
            col(Debtor.email),
            col(Debtor.phone),
            col(Debtor.address_line),
            col(Debtor.postal_code),
            _text(Debtor.opted_out_channels),
            col(Segment.name),
            col(Segment.excluded),
            _text(Segment.ladder),
            col(Debtor.creditor_id),
            col(Creditor.name),
            col(Creditor.country),
            col(Creditor.timezone),
            _text(Creditor.allowed_weekdays),
            col(Creditor.contact_start_minute),
            col(Creditor.contact_end_minute),
            _text(Creditor.channel_costs_cents),
            col(Creditor.min_gap_days),
            col(Creditor.vat_deductible),
            col(Creditor.collection_outsourced),
            col(Creditor.language),
            _text(Creditor.disabled_channels),
            col(Creditor.bundle_days),
            _text(Segment.allowed_channels),
            col(Segment.min_tone),
            col(Segment.max_tone),
            col(Creditor.max_contacts_per_debtor),
            col(Segment.plan),
        )
        .join(Creditor, col(Creditor.id) == col(Debtor.creditor_id))
        .outerjoin(Segment, col(Segment.id) == col(Debtor.segment_id))
        .where(of(Debtor.id))
        .order_by(col(Debtor.id))
    )
    # Grouped per debtor in Python, so ordered per part and debtor first; then by id, or by time
    # then id, so that "the latest" and the tuples' order never depend on a plan (equal
    # timestamps cannot swap places between SQLite and PostgreSQL). Contacts' status is filtered
    # in Python: in SQL it tempts SQLite into reading every live contact through the status index
    # instead of the debtors' own through ix_contact_debtor_id.
    facts = sa.union_all(
        _part(
            _PART_INVOICE,
            Invoice,
            of,
            text=Invoice.number,
            status=Invoice.status,
            amount=Invoice.amount_cents,
            open_amount=Invoice.open_amount_cents,
            day=Invoice.due_date,
        ).where(
            col(Invoice.status) != InvoiceStatus.PAID.value,
            col(Invoice.open_amount_cents) > 0,
        ),
        _part(
            _PART_CONTACT,
            Contact,
            of,
            text=Contact.stage,
            status=Contact.status,
            time=sa.func.coalesce(Contact.sent_at, Contact.scheduled_at),
        ),
        # only disputes and promises change the state
        _part(
            _PART_OUTCOME,
            Outcome,
            of,
            at=Outcome.occurred_at,
            text=Outcome.kind,
            day=Outcome.promised_date,
        ).where(
            _one_of(Outcome.kind, (OutcomeKind.DISPUTE.value, OutcomeKind.PROMISE.value)),
            col(Outcome.occurred_at) <= _NOW,
        ),
        _part(
            _PART_EVENT,
            DossierEvent,
            of,
            at=DossierEvent.occurred_at,
            text=DossierEvent.kind,
            payload=DossierEvent.payload,
        ).where(_one_of(DossierEvent.kind, _EVENT_KINDS), col(DossierEvent.occurred_at) <= _NOW),
    ).order_by(sa.text("part"), sa.text("debtor_id"), sa.text("at"), sa.text("id"))
    return debtors, facts


# Built once: SQLAlchemy caches their compiled form. One debtor (the API's usual request) has its
# own pair, because rendering an expanding list costs more than the queries themselves.
_ONE = _statements(lambda c: col(c) == sa.bindparam("id"))
_MANY = _statements(lambda c: col(c).in_(sa.bindparam("ids", expanding=True)))
# PostgreSQL takes the list as one array: an expanded list of thousands of placeholders costs
# more to render and for the driver to parse than the queries take to run.
_MANY_PG = _statements(lambda c: col(c) == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Integer))))


def creditor_settings(row: Creditor) -> CreditorSettings:
    return _settings(
        row.name,
        row.country,
        row.timezone,
        row.allowed_weekdays,
        row.contact_start_minute,
        row.contact_end_minute,
        row.channel_costs_cents,
        row.min_gap_days,
        row.vat_deductible,
        row.collection_outsourced,
        row.language,
        row.disabled_channels,
        row.bundle_days,
        row.max_contacts_per_debtor,
    )


def _settings(
    name: str,
    country: str,
    timezone: str,
    allowed_weekdays: list[int],
    contact_start_minute: int,
    contact_end_minute: int,
    channel_costs_cents: dict[str, int],
    min_gap_days: int,
    vat_deductible: bool,
    collection_outsourced: bool,
    language: str,
    disabled_channels: list[str],
    bundle_days: int,
    max_contacts_per_debtor: int | None = None,
) -> CreditorSettings:
    off = set(disabled_channels)
    return CreditorSettings(
        name=name,
        country=Country(country),
        timezone=timezone,
        allowed_weekdays=frozenset(int(d) for d in allowed_weekdays),
        contact_start_minute=contact_start_minute,
        contact_end_minute=contact_end_minute,
        channel_costs_cents={
            Channel(k): int(v)
            for k, v in channel_costs_cents.items()
            if k in _CHANNELS and k not in off
        },
        min_gap_days=min_gap_days,
        vat_deductible=vat_deductible,
        collection_outsourced=collection_outsourced,
        language=language,
        bundle_days=bundle_days,
        max_contacts_per_debtor=max_contacts_per_debtor,
    )


def _channels_of(names: Iterable[str]) -> frozenset[Channel]:
    return frozenset(Channel(c) for c in names if c in _CHANNELS)


def _letter(sent: Any, got: Any) -> LetterRecord | None:
    """From the latest ``fourteen_day_letter_sent`` and ``_received`` rows of the union."""
    if sent is None:
        return None
    p: dict[str, Any] = sent[_PAYLOAD]
    received = None
    if got is not None and got[_AT] >= sent[_AT]:
        raw = got[_PAYLOAD].get("received_on")
        received = date.fromisoformat(raw) if raw else got[_AT].astimezone(_AMS).date()
    return LetterRecord(
        sent_on=sent[_AT].astimezone(_AMS).date(),
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
    """Many debtors' states as of ``now``, in ascending id order, in two queries per chunk of
    debtors (not per debtor); unknown ids are left out of the result."""
    ids = sorted({int(i) for i in debtor_ids})
    if not ids:
        return {}
    if session.autoflush:
        session.flush()  # rows added but not yet flushed count, as they would for an ORM query
    conn = session.connection()
    settings: dict[int, CreditorSettings] = {}  # each creditor's, read once per call
    if len(ids) == 1:
        return _load(conn, _ONE, {"id": ids[0], "now": now}, settings)
    if conn.dialect.name == "postgresql":
        return _load(conn, _MANY_PG, {"ids": ids, "now": now}, settings)
    chunk = _SQLITE_CHUNK if conn.dialect.name == "sqlite" else _CHUNK
    out: dict[int, DebtorState] = {}
    for k in range(0, len(ids), chunk):
        out.update(_load(conn, _MANY, {"ids": ids[k : k + chunk], "now": now}, settings))
    return out


def _load(
    conn: sa.Connection,
    statements: tuple[sa.Executable, sa.Executable],
    params: dict[str, Any],
    settings: dict[int, CreditorSettings],
) -> dict[int, DebtorState]:
    debtors_stmt, facts_stmt = statements
    debtors: Sequence[Any] = conn.execute(debtors_stmt, params).all()
    if not debtors:
        return {}
    # another creditor's rows under a debtor are not that debtor's: tenants never mix
    creditor_of = {d[0]: d[12] for d in debtors}
    facts: dict[int, tuple[list[Any], ...]] = {}
    for row in conn.execute(facts_stmt, params).all():
        if creditor_of.get(row[1]) != row[2]:
            continue
        mine = facts.get(row[1])
        if mine is None:
            mine = facts[row[1]] = ([], [], [], [])
        mine[row[0]].append(row)
    # the same JSON text (a creditor's, a segment's ladder, "[]") is decoded once per call
    decoded: dict[str, Any] = {}

    def loads(text: str | None) -> Any:
        if text is None:
            return None
        if text not in decoded:
            decoded[text] = json.loads(text)
        return decoded[text]

    out = {}
    for d in debtors:
        did, cid = d[0] or 0, d[12]  # the primary key is never null once read
        creditor = settings.get(cid)
        if creditor is None:
            (
                name,
                country,
                tz,
                weekdays,
                start,
                end,
                costs,
                gap,
                vat,
                outsourced,
                lang,
                off,
                bundle,
            ) = d[13:26]
            creditor = settings[cid] = _settings(
                name,
                country,
                tz,
                loads(weekdays),
                start,
                end,
                loads(costs),
                gap,
                vat,
                outsourced,
                lang,
                loads(off),
                bundle,
                d[29],
            )
        bounds = _NO_BOUNDS
        if d[9] is not None and (d[26] is not None or d[27] or d[28]):  # the segment's
            listed = loads(d[26])  # JSON null arrives as the text "null"
            channels = None if listed is None else _channels_of(listed)
            bounds = (channels, tones_between(d[27], d[28]))
        out[did] = _build(
            d,
            loads(d[8]),
            loads(d[11]),
            creditor,
            bounds,
            params["now"],
            *facts.get(did, _NO_FACTS),
        )
    return out


def _build(
    debtor: Any,
    opted_out: list[str],
    ladder: list[dict[str, Any]] | None,
    creditor: CreditorSettings,
    bounds: tuple[frozenset[Channel] | None, frozenset[Tone] | None],
    now: datetime,
    invoices: list[Any],
    contacts: list[Any],
    outcomes: list[Any],
    events: list[Any],
) -> DebtorState:
    # the debtors statement's columns: the debtor's, the segment's from 9, the creditor's from 12
    debtor_id, kind, country, language, email, phone, address, postal_code = debtor[:8]
    segment, excluded = debtor[9], debtor[10]
    open_invoices = []
    oldest_due: date | None = None
    for r in invoices:
        open_invoices.append(
            OpenInvoice(
                id=r[_ID],
                number=r[_TEXT],
                amount_cents=r[_AMOUNT],
                open_amount_cents=r[_OPEN],
                due_date=r[_DATE],
                status=_INVOICE_STATUSES.get(r[_STATUS]) or InvoiceStatus(r[_STATUS]),
            )
        )
        if oldest_due is None or r[_DATE] < oldest_due:
            oldest_due = r[_DATE]
    times = []
    stages = []
    for r in contacts:
        if r[_STATUS] in _LIVE:
            if r[_TIME] is not None:
                times.append(r[_TIME])
            if r[_TEXT] in _STAGES:
                stages.append(_STAGES[r[_TEXT]])
    last_dispute: datetime | None = None
    promise: date | None = None
    for r in outcomes:
        if r[_TEXT] == OutcomeKind.DISPUTE:
            last_dispute = r[_AT]
        elif r[_DATE]:
            promise = r[_DATE]
    pause = resolved = sent_letter = got_letter = None
    handed_off = False
    dead: list[tuple[Channel, str]] = []
    unreachable: set[str] = set()
    for r in events:
        if r[_TEXT] == "paused" or r[_TEXT] == "resumed":
            pause = r
        elif r[_TEXT] == "handed_off":
            handed_off = True
        elif r[_TEXT] == "channel_unreachable":
            unreachable.add(str(r[_PAYLOAD].get("channel")))
        elif r[_TEXT] == "dispute_resolved":
            resolved = r[_AT]
        elif r[_TEXT] == "fourteen_day_letter_sent":
            sent_letter = r
        elif r[_TEXT] == "fourteen_day_letter_received":
            got_letter = r
        elif r[_TEXT] == UNUSABLE and r[_PAYLOAD].get("channel") in _CHANNELS:
            dead.append((Channel(r[_PAYLOAD]["channel"]), str(r[_PAYLOAD].get("address"))))
    unusable = frozenset(
        channel
        for channel, failed_on in dead
        if channel_address(
            channel, email=email, phone=phone, address_line=address, postal_code=postal_code
        )
        == failed_on
    )
    done = 0
    if oldest_due is not None:
        # contacts on a later Amsterdam day than the oldest due date: from the next midnight on
        after = datetime.combine(oldest_due + _DAY, time.min, tzinfo=_AMS).astimezone(UTC)
        done = sum(1 for t in times if t >= after)
    return DebtorState(
        debtor_id=debtor_id,
        kind=_KINDS.get(kind) or DebtorKind(kind),
        creditor=creditor,
        invoices=tuple(open_invoices),
        country=Country(country or creditor.country),
        language=language,
        segment=segment,
        segment_excluded=bool(segment is not None and excluded),
        segment_ladder=tuple(ladder) if segment is not None and ladder else None,
        segment_channels=bounds[0],
        segment_tones=bounds[1],
        segment_plan=debtor[30] if segment is not None else None,
        contact_times=tuple(times),
        paused=pause is not None
        and pause_in_force(pause[_TEXT], pause[_PAYLOAD], now.astimezone(_AMS).date()),
        handed_off=handed_off,
        disputed=last_dispute is not None and (resolved is None or resolved < last_dispute),
        promise_date=promise,
        reachable=reachable_channels(
            email=email, phone=phone, address_line=address, postal_code=postal_code
        )
        - _channels_of(unreachable),
        opted_out=frozenset(Channel(c) for c in opted_out if c in _CHANNELS),
        unusable=unusable,
        stage=max(stages, key=_RANKS.__getitem__, default=Stage.REMINDER),
        letter=_letter(sent_letter, got_letter),
        ladder_done=done,
        config=_RULES,
    )
