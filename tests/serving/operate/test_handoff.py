"""The hand-off to collection: at the creditor's stage the dossier is handed off once (claim fixed,
planned contacts cancelled, the rules refuse every further contact), the export ZIP holds the
summary PDF and the CSV/JSON of the same, and collection-stage letters claim costs and interest."""

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ledger.enums import ContactStatus
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, DossierEvent, Invoice
from policy import state_from_ledger
from policy.guardrails import dossier_refusals
from serving.operate.dossier_actions import HandOff, act
from serving.operate.dossier_export import FILES, export_zip
from serving.operate.handoff import due_handoffs
from serving.scheduler.messages import build_message
from serving.senders.rendering import context, render_copy
from tests import factories

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 5, 4, 9, tzinfo=AMS)


def _contact(session: Session, debtor: Debtor, stage: str, status: str, **kw: object) -> Contact:
    row = Contact(
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id or 0,
        channel="letter",
        tone="firm",
        stage=stage,
        status=status,
        scheduled_at=NOW - timedelta(days=2),
        idempotency_key=f"k-{debtor.id}-{stage}-{status}",
        template="reminder",
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def _invoice_ids(session: Session, debtor: Debtor) -> list[int]:
    return [
        int(i or 0) for i in session.exec(select(Invoice.id).where(Invoice.debtor_id == debtor.id))
    ]


def _debtor(session: Session) -> tuple[Creditor, Debtor]:
    creditor = factories.creditor(session, handoff_stage="collection")
    debtor = factories.debtor(session, creditor, kind="b2b", external_id="K-7", language="nl")
    factories.invoice(
        session, debtor, number="F-7", amount_cents=300_000, due_date=NOW.date() - timedelta(91)
    )
    return creditor, debtor


def test_at_the_stage_the_dossier_is_handed_off_once_and_the_flow_stops(session: Session) -> None:
    creditor, debtor = _debtor(session)
    assert due_handoffs(session, creditor, NOW) == []
    _contact(session, debtor, "collection", "sent", sent_at=NOW - timedelta(days=2), receipt="r1")
    planned = _contact(session, debtor, "collection", "planned")
    assert due_handoffs(session, creditor, NOW) == [debtor.id]
    assert due_handoffs(session, creditor, NOW + timedelta(days=1)) == []
    session.commit()
    (event,) = session.exec(select(DossierEvent).where(DossierEvent.kind == "handed_off")).all()
    claim = event.payload["claim"]
    assert (claim["principal_cents"], claim["costs_cents"]) == (300_000, 42_500)
    assert claim["interest_cents"] == 7_508
    assert session.get(Contact, planned.id).status == ContactStatus.CANCELLED.value  # type: ignore[union-attr]
    state = state_from_ledger(session, debtor.id or 0, NOW + timedelta(days=3))
    assert "handed off" in " ".join(dossier_refusals(state, NOW.date() + timedelta(days=3)))
    again = act(session, debtor, HandOff(action="hand_off"), actor="t", now=NOW)
    assert again["event_id"] == event.id  # once per dossier


def test_the_export_holds_the_summary_and_the_same_as_data(session: Session) -> None:
    _creditor, debtor = _debtor(session)
    _contact(session, debtor, "reminder", "sent", sent_at=NOW - timedelta(days=20), receipt="m-1")
    act(session, debtor, HandOff(action="hand_off", note="to the agency"), actor="t", now=NOW)
    session.commit()
    zf = zipfile.ZipFile(io.BytesIO(export_zip(session, debtor, NOW + timedelta(days=9))))
    assert tuple(zf.namelist()) == FILES
    assert zf.read("summary.pdf").startswith(b"%PDF")
    data = json.loads(zf.read("dossier.json"))
    assert data["handoff"]["on"] == NOW.date().isoformat()
    assert data["claim"]["total_cents"] == 300_000 + 42_500 + 7_508  # fixed at the hand-off
    claim = list(csv.DictReader(io.StringIO(zf.read("claim.csv").decode())))
    assert [r["item"] for r in claim] == ["invoice", "collection_costs", "total"]
    timeline = zf.read("timeline.csv").decode()
    assert "contact letter (reminder, firm)" in timeline
    assert "proof: m-1" in timeline
    assert "handed_off" in timeline
    invoices = list(csv.DictReader(io.StringIO(zf.read("invoices.csv").decode())))
    assert [r["number"] for r in invoices] == ["F-7"]


def test_a_collection_letter_claims_costs_and_interest(session: Session) -> None:
    _creditor, debtor = _debtor(session)
    contact = _contact(session, debtor, "collection", "planned")
    (inv,) = _invoice_ids(session, debtor)
    session.add(
        ContactInvoice(contact_id=contact.id or 0, invoice_id=inv, creditor_id=debtor.creditor_id)
    )
    session.flush()
    message = build_message(session, contact, now=NOW)
    text = " ".join(render_copy(message, context(message)).before)
    assert "€ 425,00 incassokosten" in text
    assert "€ 75,08 wettelijke rente" in text
    assert "Het totaal is € 3.500,08" in text
