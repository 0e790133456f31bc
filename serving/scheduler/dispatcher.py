"""The dispatcher: claims due outbox items, re-checks them, sends, and marks the result.

One pass = :meth:`Dispatcher.run_once`. Each claimed item is re-checked first: a payment, dispute
or pause recorded since planning cancels it (``outbox.still_wanted``), and so does a send moment
outside the contact window (a dispatcher that fell behind never sends at 20:01). Then it is built
into a message and handed to the creditor's sender for its channel. Transient failures go back to
the outbox with exponential backoff; permanent ones are marked failed with the reason in the
dossier (a dead address, ``AddressUnusableError``, also as ``channel_unusable``: the rules then
choose another channel). While a claim is worked on, a
:class:`~serving.scheduler.heartbeat.Heartbeat` renews its leases; every finish is fenced by the
claim's token. A database error ends the pass: what is still claimed stays leased until the lease
runs out, then any dispatcher claims it again. A 14-day letter that went out is recorded as
``fourteen_day_letter_sent`` (the payload ``policy.ledger_state`` reads) in the same transaction
that marks it sent. This module must never decide what to send; the cycle did.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ledger import dossier
from ledger.addresses import record_unusable
from ledger.enums import Channel, Country
from ledger.tables import Contact, Creditor, Debtor
from policy.contact_window import next_allowed, refusals, windows_for
from policy.fourteen_day_letter import text_refusals
from policy.ledger_state import creditor_settings
from serving.scheduler import outbox
from serving.scheduler.heartbeat import Heartbeat
from serving.scheduler.messages import build_message, covered_invoices
from serving.senders import AddressUnusableError
from serving.senders.base import Message, PermanentSendError, Receipt, TransientSendError
from serving.senders.rendering import context, render_copy

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
    postponed: int = 0
    db_errors: int = 0
    stale_sends: int = 0  # sent, then found the claim taken over: the at-least-once boundary
    sent_by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: "DispatchStats") -> None:
        for name in (
            "claimed",
            "sent",
            "cancelled",
            "retried",
            "failed",
            "lost_lease",
            "postponed",
            "db_errors",
            "stale_sends",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for channel, n in other.sent_by_channel.items():
            self.sent_by_channel[channel] = self.sent_by_channel.get(channel, 0) + n


def window_refusals(
    creditor: Creditor, debtor: Debtor | None, channel: str, at: datetime
) -> list[str]:
    """Why ``at`` lies outside the legal and the creditor's window for this channel."""
    country = Country((debtor.country if debtor else None) or creditor.country)
    windows = windows_for(country, Channel(channel), creditor_settings(creditor).window())
    return refusals(windows, at)


def next_window(
    creditor: Creditor, debtor: Debtor | None, channel: str, at: datetime
) -> datetime | None:
    country = Country((debtor.country if debtor else None) or creditor.country)
    windows = windows_for(country, Channel(channel), creditor_settings(creditor).window())
    return next_allowed(windows, at)


def letter_record(contact: Contact, message: Message, now: datetime) -> Callable[[Session], None]:
    """The dossier event that makes a sent 14-day letter count for the rules."""
    costs = int(message.extra.get("collection_costs_cents", 0))
    copy = render_copy(message, context(message))
    wording_ok = not text_refusals(" ".join(copy.before + copy.after), costs_cents=costs)

    def record(session: Session) -> None:
        ids = [i.id for i in covered_invoices(session, contact.id or 0)]
        dossier.record(
            session,
            creditor_id=contact.creditor_id,
            debtor_id=contact.debtor_id,
            kind="fourteen_day_letter_sent",
            actor="dispatcher",
            occurred_at=now,
            payload={
                "contact_id": contact.id,
                "costs_cents": costs,
                "wording_valid": wording_ok,
                "invoice_ids": ids,
            },
        )

    return record


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        *,
        worker: str,
        send: SendFn,
        lease: timedelta = timedelta(minutes=2),
        batch: int = 50,
        backoff: timedelta = outbox.BACKOFF_BASE,
    ) -> None:
        self.engine, self.worker, self.send = engine, worker, send
        self.lease, self.batch, self.backoff = lease, batch, backoff
        self._started = (datetime.min, 0.0)

    def _clock(self, now: datetime) -> datetime:
        """The real time leases run on: the pass's ``now`` plus the time the pass has taken."""
        start, t0 = self._started
        return now + timedelta(seconds=time.monotonic() - t0) if start == now else now

    def run_once(self, now: datetime) -> DispatchStats:
        """Claim, send and finish what is due at ``now`` until nothing is; a database error ends
        the pass early (counted in ``db_errors``), the next pass carries on."""
        stats = DispatchStats()
        self._started = (now, time.monotonic())
        try:
            while self._claim_and_work(now, stats):
                pass
        except DBAPIError as err:
            stats.db_errors += 1
            log.warning("dispatcher %s: database error, pass ended: %s", self.worker, err)
        return stats

    def _claim_and_work(self, now: datetime, stats: DispatchStats) -> bool:
        token = outbox.new_token()
        with Session(self.engine, expire_on_commit=False) as session:
            ids = outbox.claim_due(
                session,
                worker=self.worker,
                token=token,
                now=now,
                limit=self.batch,
                lease=self.lease,
                clock=self._clock(now),
            )
        if not ids:
            return False
        stats.claimed += len(ids)
        with Heartbeat(self.engine, token, self.lease, lambda: self._clock(now)):
            for contact_id in ids:
                self._one(contact_id, token, now, stats)
        return True

    def _one(self, contact_id: int, token: str, now: datetime, stats: DispatchStats) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            if not outbox.renew(
                session, contact_id, token=token, now=self._clock(now), lease=self.lease
            ):
                stats.lost_lease += 1
                return
            contact = session.get(Contact, contact_id)
            creditor = session.get(Creditor, contact.creditor_id) if contact else None
            if contact is None or creditor is None:
                return
            why_not = outbox.still_wanted(session, contact_id, now)
            if why_not is None:
                debtor = session.get(Debtor, contact.debtor_id)
                closed = window_refusals(creditor, debtor, contact.channel, now)
                if closed:
                    until = next_window(creditor, debtor, contact.channel, now)
                    outbox.postpone(
                        session, contact, token=token, until=until, reason="; ".join(closed)
                    )
                    stats.postponed += 1
                    return
            if why_not is not None:
                outbox.cancel(session, contact, now=now, reason=why_not, token=token)
                session.commit()
                stats.cancelled += 1
                return
            also = None
            try:
                message = build_message(session, contact, now=now)
                if message.kind == "fourteen_day_letter":
                    also = letter_record(contact, message, now)
                receipt = self.send(creditor, message)
            except TransientSendError as err:
                outbox.mark_retry(
                    session, contact, token=token, now=now, error=str(err), backoff=self.backoff
                )
                stats.retried += 1
                return
            except (PermanentSendError, LookupError, ValueError) as err:
                if isinstance(
                    err, AddressUnusableError
                ):  # a fact for the rules, in the same commit
                    record_unusable(
                        session,
                        contact,
                        err.channels,
                        reason=str(err),
                        actor="dispatcher",
                        occurred_at=now,
                    )
                outbox.mark_failed(session, contact, token=token, now=now, error=str(err))
                stats.failed += 1
                return
            text = f"{receipt.sender}:{receipt.provider_id}"
            if outbox.mark_sent(session, contact, token=token, now=now, receipt=text, also=also):
                stats.sent += 1
                stats.sent_by_channel[contact.channel] = (
                    stats.sent_by_channel.get(contact.channel, 0) + 1
                )
            else:
                stats.stale_sends += 1
                # the at-least-once boundary: this dispatcher stalled past its lease mid-send and
                # another claimed the item; it goes out again under the same idempotency key
                log.warning("contact %s: lease lost before marking sent", contact_id)
