"""Sender fixtures: a message factory, settings on a temporary outbox, a tiny logo, and a real
SMTP server (aiosmtpd) on a free local port."""

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from ledger.enums import Channel, Stage, Tone
from serving.senders.base import CreditorInfo, DebtorInfo, InvoiceLine, Message
from serving.senders.settings import SenderSettings
from tests.mail import Collector, free_port, serving

IBAN = "NL91ABNA0417164300"
REFERENCE = "RF18 5390 0754 7034"

MessageFactory = Callable[..., Message]


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


@pytest.fixture
def smtp_server(settings: SenderSettings) -> Iterator[Collector]:
    handler = Collector()
    with serving(handler, settings.smtp_port, settings.smtp_host):
        yield handler
