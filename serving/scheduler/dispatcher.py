"""The dispatcher: claims due outbox items, re-checks them, sends, and marks the result.

One pass = :meth:`Dispatcher.run_once`. Each claimed item is re-checked against the ledger first
(a payment, dispute or pause recorded since planning cancels it), then built into a message and
handed to the creditor's sender for its channel. Transient failures go back to the outbox with
exponential backoff; permanent ones are marked failed with the reason in the dossier.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Contact, Creditor
from serving.scheduler import outbox
from serving.scheduler.messages import build_message
from serving.senders.base import Message, PermanentSendError, Receipt, TransientSendError

log = logging.getLogger(__name__)

SendFn = Callable[[Creditor, Message], Receipt]


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        *,
        worker: str,
        send: SendFn,
        lease: timedelta = timedelta(minutes=2),
        batch: int = 50,
    ) -> None:
        self.engine, self.worker, self.send = engine, worker, send
        self.lease, self.batch = lease, batch

    def run_once(self, now: datetime) -> DispatchStats:
        stats = DispatchStats()
        while True:
            with Session(self.engine, expire_on_commit=False) as session:
                ids = outbox.claim_due(
                    session, worker=self.worker, now=now, limit=self.batch, lease=self.lease
                )
            if not ids:
                return stats
            stats.claimed += len(ids)
            for contact_id in ids:
                self._one(contact_id, now, stats)

    def _one(self, contact_id: int, now: datetime, stats: DispatchStats) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            contact = session.get(Contact, contact_id)
            creditor = session.get(Creditor, contact.creditor_id) if contact else None
            if contact is None or creditor is None:
                return
            why_not = outbox.still_wanted(session, contact_id)
            if why_not is not None:
                outbox.cancel(session, contact, now=now, reason=why_not, worker=self.worker)
                session.commit()
                stats.cancelled += 1
                return
            try:
                message = build_message(session, contact, now=now)
                receipt = self.send(creditor, message)
            except TransientSendError as err:
                outbox.mark_retry(session, contact, worker=self.worker, now=now, error=str(err))
                stats.retried += 1
                return
            except (PermanentSendError, LookupError, ValueError) as err:
                outbox.mark_failed(session, contact, worker=self.worker, now=now, error=str(err))
                stats.failed += 1
                return
            text = f"{receipt.sender}:{receipt.provider_id}"
            if outbox.mark_sent(session, contact, worker=self.worker, now=now, receipt=text):
                stats.sent += 1
            else:
                stats.lost_lease += 1
                log.warning("contact %s: lease lost before marking sent", contact_id)
