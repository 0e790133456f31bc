"""The Dossier page's contents for one debtor of one creditor: invoices, the rules' view now, and
one timeline of every contact (with its document), outcome, dossier event and decision, and what
"send now" would plan (:mod:`policy.send_now`).

:func:`dossier_view` answers ``None`` for a debtor of another creditor (the page is then a 404,
exactly like a missing one). This module only reads the ledger.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from features.specs import REGISTRY
from ledger import dossier
from ledger.tables import Contact, Debtor, Invoice, Outcome, Recommendation
from policy import state_from_ledger
from policy.explain import reason_text
from policy.flow_state import DebtorState
from policy.send_now import SendNow, send_now
from serving.reports.event_words import EventWords
from serving.reports.i18n import as_language
from serving.reports.rule_words import plain
from serving.webapp.debtors import status_of

# channels whose document the app can show: the letter as PDF, the e-mail as text
DOCUMENT_CHANNELS = ("letter", "email")


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # contact, outcome, event, decision
    title: str
    detail: str
    href: str | None = None


@dataclass(frozen=True)
class DossierView:
    debtor: Debtor
    invoices: list[Invoice]
    state: DebtorState
    status: str
    open_cents: int
    timeline: list[TimelineItem]
    send_now: SendNow  # what "send now" would plan, or why it may not today


def debtor_of(session: Session, creditor_id: int, debtor_id: int) -> Debtor | None:
    row = session.get(Debtor, debtor_id)
    return row if row is not None and row.creditor_id == creditor_id else None


def _first_reason(body: dict[str, Any], language: str) -> str:
    """The decision's strongest reason in the page's language (the stored sentence is in the
    debtor's; the ladder's note is in the rules' English)."""
    reasons = (body.get("explanation") or {}).get("reasons") or []
    if not reasons:
        return ""
    first = reasons[0]
    if first.get("feature") in REGISTRY:
        return reason_text(first["feature"], first.get("value"), first.get("contribution", 0.0),
                           language)  # fmt: skip
    return plain(str(first.get("text", "")), as_language(language))


def _timeline(session: Session, debtor: Debtor, timezone: str, language: str) -> list[TimelineItem]:
    cid, did = debtor.creditor_id, debtor.id or 0
    base = f"/app/debtors/{did}"
    words = EventWords(language, timezone)
    items: list[TimelineItem] = []
    for c in session.exec(
        select(Contact).where(Contact.creditor_id == cid, Contact.debtor_id == did)
    ):
        at = c.sent_at or c.scheduled_at or c.created_at
        doc = f"{base}/contacts/{c.id}/document" if c.channel in DOCUMENT_CHANNELS else None
        detail = words.contact(c.tone, c.stage, c.status)
        items.append(TimelineItem(at, "contact", c.channel, detail, doc))
    for o in session.exec(
        select(Outcome).where(Outcome.creditor_id == cid, Outcome.debtor_id == did)
    ):
        promised = words.lang.long_date(o.promised_date) if o.promised_date else ""
        detail = " ".join(x for x in (promised, o.note or "") if x)
        items.append(TimelineItem(o.occurred_at, "outcome", words.word("event_outcome_", o.kind),
                                  detail))  # fmt: skip
    for e in dossier.timeline(session, creditor_id=cid, debtor_id=did):
        detail = words.event(e.actor, e.payload)[:300]
        items.append(TimelineItem(e.occurred_at, "event", words.event_title(e.kind), detail))
    for r in session.exec(
        select(Recommendation).where(
            Recommendation.creditor_id == cid, Recommendation.debtor_id == did
        )
    ):
        title = r.channel or "wait"
        items.append(
            TimelineItem(
                r.created_at,
                "decision",
                title,
                _first_reason(r.body, language),
                f"/app/reports/decisions/{r.id}",
            )
        )
    zone = ZoneInfo(timezone)
    local = [TimelineItem(i.at.astimezone(zone), i.kind, i.title, i.detail, i.href) for i in items]
    return sorted(local, key=lambda i: i.at, reverse=True)


def dossier_view(
    session: Session,
    creditor_id: int,
    debtor_id: int,
    now: datetime,
    timezone: str,
    language: str = "nl",
) -> DossierView | None:
    debtor = debtor_of(session, creditor_id, debtor_id)
    if debtor is None:
        return None
    invoices = list(
        session.exec(
            select(Invoice)
            .where(Invoice.creditor_id == creditor_id, Invoice.debtor_id == debtor_id)
            .order_by(col(Invoice.due_date))
        )
    )
    state = state_from_ledger(session, debtor_id, now)
    return DossierView(
        debtor=debtor,
        invoices=invoices,
        state=state,
        status=status_of(state, now.date()),
        open_cents=sum(i.open_amount_cents for i in invoices if i.status != "paid"),
        timeline=_timeline(session, debtor, timezone, language),
        send_now=send_now(state, now),
    )
