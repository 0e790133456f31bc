"""The e-mail sender against a real SMTP server (aiosmtpd on 127.0.0.1)."""

import shutil
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from ledger.enums import Channel, Stage, Tone
from serving.senders.base import AddressUnusableError, PermanentSendError, TransientSendError
from serving.senders.email_smtp import SmtpSender, message_id
from serving.senders.settings import SenderSettings
from tests.mail import Collector
from tests.serving.senders.conftest import IBAN, REFERENCE, MessageFactory
from tests.waits import HANG_GUARD_S


def _parse(raw: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _pdf_text(data: bytes, tmp_path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    pdf = tmp_path / "attachment.pdf"
    pdf.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, timeout=HANG_GUARD_S
    )
    return out.stdout.decode()


def test_reminder_arrives_with_wording_payment_details_logo_and_invoice_pdf(
    settings: SenderSettings,
    smtp_server: Collector,
    make_message: MessageFactory,
    logo: Path,
    tmp_path: Path,
) -> None:
    message = make_message(
        tone=Tone.FRIENDLY, creditor={"logo_path": str(logo)}, idempotency_key="7:d:reminder"
    )
    receipt = SmtpSender(settings, {"reply_to": "debiteuren@acme.example"}).send(message)

    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["j.devries@example.org"]
    assert envelope.mail_from == "herinneringen@acme.example"
    assert isinstance(envelope.original_content, bytes)
    mail = _parse(envelope.original_content)
    assert mail["Subject"] == "Vriendelijke herinnering: factuur INV-2026-0042"
    sender_address = mail["From"].addresses[0]
    assert sender_address.display_name == "Acme Installaties B.V."
    assert sender_address.addr_spec == "herinneringen@acme.example"
    assert mail["Reply-To"] == "debiteuren@acme.example"
    assert mail["Content-Language"] == "nl"
    assert mail["Message-ID"] == message_id("7:d:reminder", "herinneringen@acme.example")
    assert receipt.provider_id == mail["Message-ID"]
    assert receipt.sender == "smtp"

    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    for part in (text.get_content(), html.get_content()):
        assert IBAN in part
        assert REFERENCE in part
        assert "INV-2026-0042" in part
        assert "€ 121,00" in part
        assert "1 februari 2026" in part
        assert "Acme Installaties B.V." in part
        assert "Misschien is het u ontgaan" in part  # the friendly tone
    assert 'src="cid:creditor-logo"' in html.get_content()
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == "<creditor-logo>"

    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["factuur-INV-2026-0042.pdf"]
    assert isinstance(attachments[0], EmailMessage)
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pdf_text = _pdf_text(pdf, tmp_path)
    if pdf_text is not None:
        assert "INV-2026-0042" in pdf_text
        assert "BETALINGSHERINNERING" in pdf_text  # a consumer's copy invoice


def test_english_firm_business_reminder(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory, tmp_path: Path
) -> None:
    message = make_message(language="en", tone=Tone.FIRM, debtor={"kind": "b2b"})
    SmtpSender(settings).send(message)
    mail = _parse(smtp_server.envelopes[0].original_content)  # type: ignore[arg-type]
    assert mail["Subject"] == "Please pay now: invoice INV-2026-0042 is overdue"
    assert mail["Content-Language"] == "en"
    body = mail.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert "€121.00" in content
    assert "Payment reference" in content or REFERENCE in content
    assert "Please pay €121.00 today." in content
    pdf = next(mail.iter_attachments()).get_content()
    pdf_text = _pdf_text(pdf, tmp_path)
    if pdf_text is not None:
        assert "INVOICE COPY" in pdf_text


def test_fourteen_day_letter_by_email_attaches_the_letter(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(
        stage=Stage.FOURTEEN_DAY_LETTER,
        template="fourteen_day_letter",
        extra={"collection_costs_cents": 4_000},
    )
    SmtpSender(settings).send(message)
    mail = _parse(smtp_server.envelopes[0].original_content)  # type: ignore[arg-type]
    names = [a.get_filename() for a in mail.iter_attachments()]
    assert names == ["brief.pdf", "factuur-INV-2026-0042.pdf"]
    body = mail.get_body(("plain",))
    assert body is not None
    assert "binnen veertien dagen na de dag van ontvangst van deze brief" in body.get_content()
    assert "€ 40,00" in body.get_content()


def test_same_key_gives_the_same_message_id(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    sender = SmtpSender(settings)
    first = sender.send(make_message())
    second = sender.send(make_message())
    other = sender.send(make_message(idempotency_key="7:2026-03-04:reminder"))
    assert first.provider_id == second.provider_id != other.provider_id


def test_refused_recipient_is_permanent(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(debtor={"email": "unknown@example.org"})
    with pytest.raises(AddressUnusableError, match="550") as refused:
        SmtpSender(settings).send(message)
    assert refused.value.channels == {Channel.EMAIL}
    assert smtp_server.envelopes == []


def test_relaying_denied_is_permanent_but_not_the_debtors_address(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    """5.7.1 is about our server's configuration: every debtor would lose e-mail otherwise."""
    message = make_message(debtor={"email": "relaydenied@example.org"})
    with pytest.raises(PermanentSendError, match=r"5\.7\.1") as refused:
        SmtpSender(settings).send(message)
    assert not isinstance(refused.value, AddressUnusableError)


def test_greylisting_is_transient(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(debtor={"email": "greylisted@example.org"})
    with pytest.raises(TransientSendError, match="451"):
        SmtpSender(settings).send(message)


def test_nothing_listening_is_transient(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    with pytest.raises(TransientSendError, match="SMTP server"):
        SmtpSender(settings).send(make_message())


@pytest.mark.parametrize("email", [None, "", "not-an-address"])
def test_no_email_address_is_permanent(
    settings: SenderSettings, make_message: MessageFactory, email: str | None
) -> None:
    with pytest.raises(AddressUnusableError, match="e-mail address") as refused:
        SmtpSender(settings).send(make_message(debtor={"email": email}))
    assert refused.value.channels == {Channel.EMAIL}


def test_payment_thanks_has_no_payment_request_and_no_attachment(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(template="payment_thanks")
    SmtpSender(settings).send(message)
    mail = _parse(smtp_server.envelopes[0].original_content)  # type: ignore[arg-type]
    assert list(mail.iter_attachments()) == []
    body = mail.get_body(("plain",))
    assert body is not None
    assert IBAN not in body.get_content()
    assert "Bedankt" in mail["Subject"]


def test_from_address_option_and_settings_replace(
    settings: SenderSettings, smtp_server: Collector, make_message: MessageFactory
) -> None:
    sender = SmtpSender(settings, {"from_address": "facturen@acme.example"})
    receipt = sender.send(make_message())
    assert smtp_server.envelopes[0].mail_from == "facturen@acme.example"
    assert receipt.provider_id.endswith("@acme.example>")
