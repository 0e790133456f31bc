"""Which of a debtor's details each channel goes to, and the dossier record of one that failed
for good (``channel_unusable``).

:func:`channel_address` is the one declaration of "the address a channel uses": e-mail → the
e-mail address; SMS, robocall, phone → the phone number; letter → street line and postal code.
The rules derive reachability from it (``policy.flow_state.reachable_channels``) and compare a
recorded failure with the debtor's current details (``policy.ledger_state``): a failure stands
only while the address it failed on is still the debtor's, so an import (or anything else) that
changes the address clears it, and changing it back brings the failure back.

:func:`record_unusable` writes the fact; it never decides what is sent instead — the rules do, at
the next cycle. This module must never read or write anything but the debtor's own rows.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from ledger import dossier
from ledger.channels import FACTS, Reach
from ledger.enums import Channel
from ledger.tables import Contact, Debtor

UNUSABLE = "channel_unusable"


def channel_address(
    channel: Channel,
    *,
    email: str | None,
    phone: str | None,
    address_line: str | None,
    postal_code: str | None,
) -> str | None:
    """The debtor's address for ``channel`` as one text, or None when the details lack it."""
    reach = FACTS[channel].reach if channel in FACTS else None
    if reach == Reach.EMAIL:
        return email.strip() or None if email else None
    if reach == Reach.PHONE:
        return phone.strip() or None if phone else None
    if reach == Reach.POSTAL:
        line, code = (address_line or "").strip(), (postal_code or "").strip()
        return f"{line}, {code}" if line and code else None
    raise ValueError(f"no address is declared for channel {channel!r}")


def address_of(debtor: Debtor, channel: Channel) -> str | None:
    return channel_address(
        channel,
        email=debtor.email,
        phone=debtor.phone,
        address_line=debtor.address_line,
        postal_code=debtor.postal_code,
    )


def record_unusable(
    session: Session,
    contact: Contact,
    channels: Iterable[Channel],
    *,
    reason: str,
    actor: str,
    occurred_at: datetime | None = None,
) -> int:
    """One ``channel_unusable`` event per channel (payload: channel, address, reason, contact id,
    idempotency key) in the caller's transaction; returns how many. A channel whose address the
    debtor no longer has (changed since the contact was planned) is not recorded."""
    debtor = session.get(Debtor, contact.debtor_id)
    if debtor is None or debtor.creditor_id != contact.creditor_id:
        return 0
    events: list[dossier.NewEvent] = []
    for channel in sorted(set(channels)):
        address = address_of(debtor, channel)
        if address is None:
            continue
        payload: dict[str, Any] = {
            "channel": channel.value,
            "address": address,
            "reason": reason[:500],
            "contact_id": contact.id,
            "idempotency_key": contact.idempotency_key,
        }
        events.append(
            dossier.NewEvent(
                creditor_id=contact.creditor_id,
                debtor_id=contact.debtor_id,
                kind=UNUSABLE,
                actor=actor,
                occurred_at=occurred_at,
                payload=payload,
            )
        )
    return dossier.record_many(session, events)
