"""The demo's local sinks end to end: ledger rows → message → every channel → files and mail."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.enums import Channel
from ledger.tables import Contact
from serving.senders import LOCAL_SINKS, sender_for
from serving.senders.from_ledger import message_for_contact
from serving.senders.local_mail import LocalMailServer
from serving.senders.settings import SenderSettings
from tests import factories


def test_every_channel_reaches_its_local_sink(engine: Engine, settings: SenderSettings) -> None:
    with Session(engine) as session:
        creditor = factories.creditor(session, sender_config=LOCAL_SINKS)
        debtor = factories.debtor(
            session,
            creditor,
            kind="b2c",
            phone="0612345678",
            address_line="Dorpsstraat 3",
            postal_code="1234 AB",
            city="Ergens",
            language="en",
        )
        invoice = factories.invoice(session, debtor, payment_reference="RF47 0000 0001")
        session.commit()
        receipts = {}
        with LocalMailServer(settings.outbox_dir, port=settings.smtp_port) as mail:
            for channel in Channel:
                contact = Contact(
                    creditor_id=creditor.id,  # type: ignore[arg-type]
                    debtor_id=debtor.id,  # type: ignore[arg-type]
                    channel=channel,
                    tone="neutral",
                    idempotency_key=f"{debtor.id}:2026-03-03:{channel}",
                    scheduled_at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
                )
                message = message_for_contact(
                    contact, creditor=creditor, debtor=debtor, invoices=[invoice]
                )
                sender = sender_for(creditor.sender_config, channel, settings)
                receipts[channel] = sender.send(message)
            [eml] = mail.received

    assert {c: r.sender for c, r in receipts.items()} == {
        Channel.EMAIL: "smtp",
        Channel.SMS: "sms_file",
        Channel.ROBOCALL: "sms_file",
        Channel.LETTER: "letter_pdf",
        Channel.PHONE: "call_list",
    }
    parsed = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert parsed["Subject"] == f"Reminder: invoice {invoice.number} not yet paid"
    outbox = settings.outbox_dir
    assert (outbox / "sms" / "2026-03-03.jsonl").read_text().count("\n") == 2
    assert len(list((outbox / "letters" / "2026-03-03").glob("*.pdf"))) == 1
    (call_list,) = (outbox / "call_lists").glob("*/2026-03-03.csv")  # the creditor's own
    assert call_list.read_text().count("\n") == 2
