"""Messages the debtor's own action calls for — a promise confirmation, a thank-you for a payment,
the firmer reminder after a broken promise — planned into the same outbox as the daily cycle's.

:func:`plan_message` picks e-mail (else a letter) among the channels the rules find usable (an
address found dead is skipped), the first moment the legal and the creditor's
window allow from ``now``, and a key (debtor, that day, kind) so the same event plans at most one
message per day. This module must never send; the dispatcher does.
"""

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from ledger.enums import Channel, Country
from ledger.tables import Creditor, Debtor
from policy.contact_window import next_allowed, windows_for
from policy.ledger_state import creditor_settings, state_from_ledger
from serving.scheduler import outbox

PREFERENCE = (Channel.EMAIL, Channel.LETTER)


def plan_message(
    session: Session,
    creditor: Creditor,
    debtor: Debtor,
    *,
    kind: str,
    stage: str,
    tone: str,
    invoice_ids: Sequence[int],
    now: datetime,
    template: str | None = None,
    channels: Sequence[Channel] = PREFERENCE,
    key_day: date | None = None,
) -> outbox.PlannedContact | None:
    """The outbox entry for one such message, or None when the debtor cannot be reached.
    ``key_day`` (default: the send day) is the day in the idempotency key: pass the day of the
    event that calls for the message, so a later pass never plans it again."""
    # enabled, reachable, not opted out, and no address found dead (the rules' own view)
    usable = state_from_ledger(session, debtor.id or 0, now).usable_channels()
    settings = creditor_settings(creditor)
    country = Country(debtor.country or creditor.country)
    for channel in channels:
        if channel not in usable:
            continue
        at = next_allowed(windows_for(country, channel, settings.window()), now)
        if at is None:
            continue
        day = (key_day or at.astimezone(settings.window().window().zone).date()).isoformat()
        return outbox.PlannedContact(
            creditor_id=creditor.id or 0,
            debtor_id=debtor.id or 0,
            channel=channel.value,
            tone=tone,
            stage=stage,
            template=template or kind,
            scheduled_at=at,
            idempotency_key=outbox.idempotency_key(debtor.id or 0, day, kind),
            invoice_ids=tuple(invoice_ids),
            cost_cents=settings.channel_costs_cents.get(channel, 0),
            model_version="rules",
            propensity=1.0,
        )
    return None
