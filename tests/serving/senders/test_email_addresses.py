"""Non-ASCII e-mail addresses against a real SMTP server (aiosmtpd) with and without SMTPUTF8:
the domain goes out IDNA-encoded, a non-ASCII local part with SMTPUTF8 or not at all (a dead
address, refused once), and which SMTP refusals mark an address dead."""

from collections.abc import Iterator
from email import policy
from email.parser import BytesParser, Parser

import pytest
from aiosmtpd.controller import Controller

from ledger.enums import Channel
from serving.senders.base import AddressUnusableError
from serving.senders.email_address import address_is_dead, wire_address
from serving.senders.email_smtp import SmtpSender
from serving.senders.settings import SenderSettings
from tests.mail import Collector
from tests.serving.senders.conftest import MessageFactory

CAFE = "cafédegoudenleeu.example"
CAFE_ACE = "xn--cafdegoudenleeu-dnb.example"  # what idna 2008 / UTS 46 makes of it


@pytest.fixture(params=[True, False], ids=["smtputf8", "ascii-only"])
def server(request: pytest.FixtureRequest, settings: SenderSettings) -> Iterator[Collector]:
    handler = Collector()
    controller = Controller(
        handler,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        enable_SMTPUTF8=request.param,
    )
    controller.start()
    handler.utf8 = request.param  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        controller.stop()


def test_a_non_ascii_domain_is_sent_idna_encoded_with_or_without_smtputf8(
    settings: SenderSettings, server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(debtor={"email": f"info@{CAFE}", "name": "Café De Gouden Leeuw"})
    SmtpSender(settings).send(message)
    (envelope,) = server.envelopes
    assert envelope.rcpt_tos == [f"info@{CAFE_ACE}"]
    assert "SMTPUTF8" not in envelope.mail_options  # an all-ASCII envelope needs no extension
    assert isinstance(envelope.original_content, bytes)
    mail = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
    (to,) = mail["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Café De Gouden Leeuw", f"info@{CAFE_ACE}")


def test_a_non_ascii_local_part_needs_smtputf8_or_the_address_is_dead(
    settings: SenderSettings, server: Collector, make_message: MessageFactory
) -> None:
    message = make_message(debtor={"email": f"jürgen@{CAFE}"})
    if server.utf8:  # type: ignore[attr-defined]
        SmtpSender(settings).send(message)
        (envelope,) = server.envelopes
        assert envelope.rcpt_tos == [f"jürgen@{CAFE_ACE}"]
        assert "SMTPUTF8" in envelope.mail_options
        assert isinstance(envelope.original_content, bytes)
        # the headers travel as raw UTF-8 (RFC 6532), which only a text parser reads back
        mail = Parser(policy=policy.default).parsestr(envelope.original_content.decode())
        assert mail["To"].addresses[0].addr_spec == f"jürgen@{CAFE_ACE}"
        return
    with pytest.raises(AddressUnusableError, match="SMTPUTF8") as refused:
        SmtpSender(settings).send(message)
    assert refused.value.channels == {Channel.EMAIL}
    assert server.envelopes == []


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "no e-mail address"),
        ("   ", "no e-mail address"),
        ("jan", "not an e-mail address"),
        ("jan@", "not an e-mail address"),
        ("jan de vries@example.org", "not an e-mail address"),
        ("jan@café..example", "cannot be encoded"),
        ("jan@♥.example", "cannot be encoded"),
    ],
)
def test_an_address_that_cannot_be_written_is_dead_at_once(raw: str | None, problem: str) -> None:
    with pytest.raises(AddressUnusableError, match=problem) as refused:
        wire_address(raw, "D1")
    assert refused.value.channels == {Channel.EMAIL}
    assert "D1" in str(refused.value)


def test_ascii_addresses_are_left_as_they_are() -> None:
    wire = wire_address(" Jan.de_Vries+ar@Mail_host.Example.ORG ", "D1")
    assert wire.addr_spec == "Jan.de_Vries+ar@Mail_host.Example.ORG"
    assert not wire.needs_smtputf8


@pytest.mark.parametrize(
    ("code", "reply", "dead"),
    [
        (550, b"5.1.1 mailbox unavailable", True),
        (550, b"5.1.2 bad destination domain", True),
        (550, b"5.2.1 mailbox disabled", True),
        (553, b"mailbox name not allowed", True),
        (550, b"no such user", True),
        (550, b"5.7.1 relaying denied", False),
        (552, b"5.2.2 mailbox full", False),
        (554, b"transaction failed", False),
        (450, b"4.1.1 try later", False),
        (451, b"greylisted", False),
    ],
)
def test_which_smtp_refusals_mark_the_address_dead(code: int, reply: bytes, dead: bool) -> None:
    assert address_is_dead(code, reply) is dead
