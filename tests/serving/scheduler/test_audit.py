"""The rule audit finds nothing after a real cycle, and does find deliberately bad contacts."""

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger import dossier
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor
from serving.scheduler.audit import audit
from serving.scheduler.cycle import run_cycle
from serving.scheduler.daily import dispatch_through
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.scoring_client import ScoringClient
from serving.senders.base import Message, Receipt
from tests.serving.scheduler.conftest import AMS, CYCLE, Book


def _send(creditor: Creditor, message: Message) -> Receipt:
    return Receipt("test", message.idempotency_key, message.send_at)


def _sent(session: Session, book: Book, i: int, at: datetime, **kw: object) -> None:
    contact = Contact(
        creditor_id=book.creditor_id,
        debtor_id=book.debtor_ids[i],
        channel="email",
        tone="neutral",
        stage=str(kw.pop("stage", "reminder")),
        scheduled_at=at,
        sent_at=at,
        status="sent",
        idempotency_key=f"bad-{i}-{at.isoformat()}",
        template="reminder",
    )
    session.add(contact)
    session.flush()
    session.add(
        ContactInvoice(
            contact_id=contact.id or 0,
            invoice_id=book.invoice_ids[i],
            creditor_id=book.creditor_id,
        )
    )


def test_audit_is_clean_after_a_cycle_and_counts_bad_contacts(
    engine: Engine, book: Book, client: ScoringClient
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        creditor = session.get(Creditor, book.creditor_id)
    assert creditor is not None
    run_cycle(engine, creditor, CYCLE, client)
    dispatch_through(engine, Dispatcher(engine, worker="t", send=_send), CYCLE + timedelta(hours=9))
    clean = audit(engine)
    assert clean.contacts == 5
    assert clean.ok, clean.lines()
    with Session(engine) as session:
        dossier.record(
            session,
            creditor_id=book.creditor_id,
            debtor_id=book.debtor_ids[1],
            kind="paused",
            occurred_at=CYCLE + timedelta(days=2),
        )
        consumer = session.get(Debtor, book.debtor_ids[2])
        assert consumer is not None
        consumer.kind = "b2c"
        session.add(consumer)
        _sent(session, book, 0, CYCLE + timedelta(hours=2))  # a second contact that day
        _sent(session, book, 1, datetime(2026, 11, 22, 21, 30, tzinfo=AMS))  # Sunday night
        _sent(session, book, 2, CYCLE + timedelta(days=7), stage="collection")  # no letter
        _sent(session, book, 3, datetime(2026, 12, 25, 10, 0, tzinfo=AMS))  # Christmas
        session.commit()
    bad = audit(engine)
    assert not bad.ok
    assert bad.counts["second dunning contact that day"] == 1
    assert bad.counts["on a Sunday"] == 1
    assert bad.counts["outside 07:00-20:00"] == 1
    assert bad.counts["outside the creditor's window"] == 1  # Sunday night
    assert bad.counts["to a paused dossier"] == 1
    assert bad.counts["B2C costs before a valid 14-day letter"] == 1
    assert bad.counts["on a public holiday"] == 1
