"""The one declaration of what each contact channel is: its default unit cost, which of the
debtor's details it goes to, whether it is a call or a message, the sender that delivers it by
default (and the local sink the demo uses), and what the law says of it.

Everything else derives from :data:`CHANNELS`: the creditor's default ``channel_costs_cents``
(``ledger.tables``, ``policy.creditor_config``, ``policy.flow_state``), reachability and its
refusal text (``ledger.addresses``, ``policy.guardrails``), the calling hours
(``policy.contact_window``), the feature categories (``features.specs``) and the sender defaults
(``serving.senders.registry``). ``ledger.enums.Channel`` names the channels; a member without
facts here fails at import. To add a channel: add the member, then one :class:`ChannelFacts` row.
"""

from dataclasses import dataclass
from enum import StrEnum

from ledger.enums import Channel


class Reach(StrEnum):
    """Which of the debtor's details a channel needs."""

    EMAIL = "an e-mail address"
    PHONE = "a phone number"
    POSTAL = "a postal address"


@dataclass(frozen=True)
class ChannelFacts:
    channel: Channel
    cost_cents: int  # the default unit cost a creditor pays per contact
    reach: Reach
    call: bool  # a spoken call (Belgian law limits calling hours) rather than a message
    sender: str  # the sender registered for it by default (serving.senders)
    local_sink: str  # the sender the demo uses: no provider account needed
    law: str  # what the law says of it, beyond the contact window every channel keeps
    words: tuple[str, str]  # what a person calls it: (Dutch, English)


CHANNELS: tuple[ChannelFacts, ...] = (
    ChannelFacts(
        Channel.EMAIL,
        0,
        Reach.EMAIL,
        False,
        "smtp",
        "smtp",
        "contact window (Bki 4.2)",
        ("e-mail", "e-mail"),
    ),
    ChannelFacts(
        Channel.SMS,
        20,
        Reach.PHONE,
        False,
        "webhook",
        "sms_file",
        "contact window (Bki 4.2)",
        ("sms", "text message"),
    ),
    ChannelFacts(
        Channel.LETTER,
        150,
        Reach.POSTAL,
        False,
        "letter_pdf",
        "letter_pdf",
        "the only channel for a 14-day letter and a bailiff's notice",
        ("brief", "letter"),
    ),
    ChannelFacts(
        Channel.PHONE,
        500,
        Reach.PHONE,
        True,
        "call_list",
        "call_list",
        "BE Book XIX: no calls 22:00-08:00",
        ("telefoon", "phone call"),
    ),
    ChannelFacts(
        Channel.ROBOCALL,
        20,
        Reach.PHONE,
        True,
        "webhook",
        "sms_file",
        "BE Book XIX: no calls 22:00-08:00",
        ("belcomputer", "automated call"),
    ),
)
FACTS: dict[Channel, ChannelFacts] = {f.channel: f for f in CHANNELS}
_missing = set(Channel) - set(FACTS)
if _missing or len(FACTS) != len(CHANNELS):
    raise RuntimeError(f"ledger.channels: declare each channel once (missing {sorted(_missing)})")

CHANNEL_NAMES: tuple[str, ...] = tuple(f.channel.value for f in CHANNELS)
CHANNEL_WORDS: dict[str, tuple[str, str]] = {f.channel.value: f.words for f in CHANNELS}
CALLS: frozenset[Channel] = frozenset(f.channel for f in CHANNELS if f.call)


def default_costs() -> dict[Channel, int]:
    """A fresh copy of the default unit costs (callers may change theirs)."""
    return {f.channel: f.cost_cents for f in CHANNELS}


def default_costs_json() -> dict[str, int]:
    """The same, keyed by the channel's text (the ledger's JSON column)."""
    return {f.channel.value: f.cost_cents for f in CHANNELS}


def reach_of(channel: Channel) -> Reach:
    return FACTS[channel].reach
