"""Sender fixtures: a message factory, settings on a temporary outbox, a tiny logo, and a real
SMTP server (aiosmtpd) on a free local port."""

import socket
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from ledger.enums import Channel, Stage, Tone
from serving.senders.base import CreditorInfo, DebtorInfo, InvoiceLine, Message
from serving.senders.settings import SenderSettings

IBAN = "NL91ABNA0417164300"
REFERENCE = "RF18 5390 0754 7034"

MessageFactory = Callable[..., Message]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _png() -> bytes:
    """A valid 1×1 PNG, made here so the tests need no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x20\x60\xa0")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    path.write_bytes(_png())
    return path


@pytest.fixture
def settings(tmp_path: Path) -> SenderSettings:
    return SenderSettings(
        outbox_dir=tmp_path / "outbox",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_from="herinneringen@acme.example",
        sms_webhook_url="",
        sms_webhook_secret="",
        delivery_callback_url="https://dunflow.example/v1/delivery-status",
        template_dir=None,
    )


@pytest.fixture
def make_message() -> MessageFactory:
    """``make_message(language="en", channel=Channel.SMS, extra={...}, debtor={"kind": "b2c"})``."""

    def make(**kw: Any) -> Message:
        creditor = replace(
            CreditorInfo("Acme Installaties B.V.", IBAN, None, "nl", "NL"), **kw.pop("creditor", {})
        )
        debtor = replace(
            DebtorInfo(
                id=7,
                external_id="D00042",
                name="J. de Vries",
                kind="b2c",
                email="j.devries@example.org",
                phone="06-1234 5678",
                address_line="Kerkstraat 1",
                postal_code="3511 AB",
                city="Utrecht",
                country="NL",
                language="nl",
            ),
            **kw.pop("debtor", {}),
        )
        invoices = kw.pop(
            "invoices",
            (
                InvoiceLine(
                    "INV-2026-0042",
                    date(2026, 1, 2),
                    date(2026, 2, 1),
                    12_100,
                    12_100,
                    "EUR",
                    REFERENCE,
                ),
            ),
        )
        base: dict[str, Any] = {
            "idempotency_key": "7:2026-03-03:reminder",
            "creditor": creditor,
            "debtor": debtor,
            "invoices": invoices,
            "channel": Channel.EMAIL,
            "tone": Tone.NEUTRAL,
            "stage": Stage.REMINDER,
            "template": "reminder",
            "language": "nl",
            "send_at": datetime(2026, 3, 3, 9, 0, tzinfo=UTC),  # a Tuesday, 10:00 in Amsterdam
            "extra": MappingProxyType({}),
        }
        base.update(kw)
        if isinstance(base["extra"], dict):
            base["extra"] = MappingProxyType(base["extra"])
        return Message(**base)

    return make


class Collector:
    """An aiosmtpd handler that keeps what it receives and refuses some recipients."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith("unknown@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("relaydenied@"):
            return "550 5.7.1 relaying denied"
        if address.startswith("greylisted@"):
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: SenderSettings) -> Iterator[Collector]:
    handler = Collector()
    controller = Controller(handler, hostname=settings.smtp_host, port=settings.smtp_port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()
