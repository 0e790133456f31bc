"""How the scheduler sends: each creditor's configured sender per channel (the local sinks when it
configured none), behind the dispatcher's ``send(creditor, message) -> receipt``.

This module must never decide whether to send; the dispatcher calls it once it has.
"""

import os
import socket
from datetime import timedelta

from sqlalchemy.engine import Engine

from ledger.tables import Creditor
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.lease_budget import check_lease
from serving.scheduler.leases import BACKOFF_BASE
from serving.senders import LOCAL_SINKS, sender_for
from serving.senders.base import Message, Receipt
from serving.senders.settings import SenderSettings, get_sender_settings


def send_with_configured_sender(
    creditor: Creditor, message: Message, settings: SenderSettings | None = None
) -> Receipt:
    """``Creditor.sender_config`` empty means the local sinks (see the table's comment)."""
    config = creditor.sender_config or LOCAL_SINKS
    return sender_for(config, message.channel, settings).send(message)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def make_dispatcher(
    engine: Engine,
    *,
    settings: SenderSettings | None = None,
    worker: str | None = None,
    lease_s: float = 120.0,
    backoff: timedelta = BACKOFF_BASE,
) -> Dispatcher:
    """A dispatcher sending through the configured senders; refuses (``LeaseTooShortError``, naming
    both settings) a lease that cannot cover the senders' timeouts."""
    check_lease(lease_s, settings or get_sender_settings())

    def send(creditor: Creditor, message: Message) -> Receipt:
        return send_with_configured_sender(creditor, message, settings)

    return Dispatcher(
        engine,
        worker=worker or worker_name(),
        send=send,
        lease=timedelta(seconds=lease_s),
        backoff=backoff,
    )
