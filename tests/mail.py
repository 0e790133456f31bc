"""Real SMTP servers (aiosmtpd) for tests, on a free local port: a collector of envelopes that
refuses some recipients the way real servers do, and an inbox of parsed messages."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from aiosmtpd.smtp import Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


@contextmanager
def serving(handler: Any, port: int, host: str = "127.0.0.1") -> Iterator[None]:
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


class _Keep(MessageHandler):  # type: ignore[misc]
    def __init__(self, got: list[Message]) -> None:
        super().__init__()
        self.got = got

    def handle_message(self, message: Message) -> None:
        self.got.append(message)


@contextmanager
def inbox() -> Iterator[tuple[int, list[Message]]]:
    """A server on a free port and the parsed messages it received."""
    got: list[Message] = []
    port = free_port()
    with serving(_Keep(got), port):
        yield port, got
