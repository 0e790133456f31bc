"""Payments from a watched CAMT.053 folder cancel pending contacts (and thank the payer); a promise
gets a confirmation and quiets the dossier; a broken one moves the debtor on, firmer."""

from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, Creditor, DossierEvent, Invoice
from policy import state_from_ledger
from serving.scheduler.cycle import run_cycle
from serving.scheduler.daily import dispatch_through, follow_up_promises
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.payments_watch import process_inbox
from serving.scheduler.scoring_client import ScoringClient
from serving.senders.base import Message, Receipt
from tests.serving.scheduler.conftest import AMS, CYCLE, Api, Book

IBAN = "NL91ABNA0417164300"  # the factories' creditor IBAN


def camt(entries: list[tuple[str, str, str]]) -> str:
    """A minimal CAMT.053 statement: (entry ref, amount, remittance) per credit entry; a
    remittance starting with RF is structured, anything else free text."""
    body = []
    for ref, amount, remit in entries:
        rmt = (
            f"<Strd><CdtrRefInf><Ref>{remit}</Ref></CdtrRefInf></Strd>"
            if remit.startswith("RF")
            else f"<Ustrd>{remit}</Ustrd>"
        )
        body.append(
            f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>2026-11-17</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<Stmt><Id>S1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>{''.join(body)}</Stmt>"
        "</BkToCstmrStmt></Document>"
    )


class Outbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, creditor: Creditor, message: Message) -> Receipt:
        self.messages.append(message)
        return Receipt("test", message.idempotency_key, message.send_at)


def _creditor(engine: Engine, book: Book, **values: object) -> Creditor:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Creditor, book.creditor_id)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)
        session.add(row)
        session.commit()
        return row


def test_camt_file_cancels_pending_and_thanks_the_payer(
    engine: Engine, book: Book, client: ScoringClient, tmp_path: Path
) -> None:
    creditor = _creditor(engine, book, thank_you_mail=True)
    assert run_cycle(engine, creditor, CYCLE, client).planned == 5
    with Session(engine) as session:
        numbers = [session.get(Invoice, i).number for i in book.invoice_ids]  # type: ignore[union-attr]
    inbox = tmp_path / "camt"
    inbox.mkdir()
    (inbox / "day1.xml").write_text(
        camt([("B-1", "100.00", f"RF0000{book.creditor_id}"), ("B-2", "40.00", numbers[1])])
    )
    (inbox / "broken.xml").write_text("<Document>not a statement</Document>")
    stats = process_inbox(engine, inbox, CYCLE - timedelta(minutes=10))
    assert (stats.files, stats.failed, stats.payments) == (2, 1, 2)
    assert (stats.cancelled, stats.thanks) == (1, 1)
    assert (inbox / "done" / "day1.xml").exists()
    assert (inbox / "failed" / "broken.error.txt").read_text().strip()
    sent = Outbox()
    dispatch_through(engine, Dispatcher(engine, worker="t", send=sent), CYCLE + timedelta(hours=1))
    kinds = {(m.debtor.id, m.kind) for m in sent.messages}
    assert (book.debtor_ids[0], "reminder") not in kinds  # paid before dispatch: cancelled
    assert (book.debtor_ids[0], "payment_thanks") in kinds
    partial = next(m for m in sent.messages if m.debtor.id == book.debtor_ids[1])
    assert partial.total_open_cents == 6_000  # the partial payment lowered the open amount
    with Session(engine) as session:
        statuses = {c.debtor_id: c.status for c in session.exec(select(Contact))}
        assert statuses[book.debtor_ids[0]] == "sent"  # the thank-you
        assert len(session.exec(select(Contact).where(Contact.status == "cancelled")).all()) == 1


def _post_promise(api: Api, book: Book, debtor_id: int, promised: date, at: datetime) -> None:
    resp = httpx.post(
        f"{api.url}/v1/outcomes",
        headers={"X-API-Key": book.key},
        json={
            "debtor_id": debtor_id,
            "kind": "promise",
            "promised_date": promised.isoformat(),
            "occurred_at": at.isoformat(),
        },
    )
    assert resp.status_code == 201, resp.text


def test_promise_confirmed_quiet_then_broken_moves_on_firmer(
    engine: Engine, api: Api, book: Book, client: ScoringClient
) -> None:
    creditor = _creditor(engine, book)
    debtor = book.debtor_ids[0]
    _post_promise(api, book, debtor, date(2026, 11, 20), CYCLE - timedelta(hours=1))
    stats = follow_up_promises(engine, creditor, CYCLE, grace=3)
    assert stats.confirmations == 1
    cycle = run_cycle(engine, creditor, CYCLE, client)
    assert cycle.planned == 4  # the promiser gets the confirmation only
    sent = Outbox()
    dispatch_through(engine, Dispatcher(engine, worker="t", send=sent), CYCLE + timedelta(hours=2))
    confirmation = next(m for m in sent.messages if m.debtor.id == debtor)
    assert confirmation.kind == "promise_confirmation"
    assert confirmation.extra["promised_date"] == date(2026, 11, 20)
    assert "pay_by" not in confirmation.extra  # one date: the promised one, not a second
    quiet = datetime(2026, 11, 23, 8, 30, tzinfo=AMS)  # promised date + 3 days grace
    assert follow_up_promises(engine, creditor, quiet, grace=3).broken == 0
    with Session(engine) as session:
        assert state_from_ledger(session, debtor, quiet).promise_blocks_until() == date(
            2026, 11, 23
        )
    later = datetime(2026, 11, 24, 8, 30, tzinfo=AMS)
    broken = follow_up_promises(engine, creditor, later, grace=3)
    assert (broken.broken, broken.firmer_planned) == (1, 1)
    assert follow_up_promises(engine, creditor, later, grace=3).broken == 0  # once per promise
    with Session(engine) as session:
        firmer = session.exec(
            select(Contact).where(Contact.debtor_id == debtor, Contact.status == "planned")
        ).one()
        assert (firmer.stage, firmer.tone, firmer.template) == (
            "pre_collection",
            "firm",
            "broken_promise",
        )
        assert state_from_ledger(session, debtor, later).stage == "pre_collection"
        events = session.exec(
            select(DossierEvent).where(DossierEvent.kind == "promise_broken")
        ).all()
        assert len(events) == 1
