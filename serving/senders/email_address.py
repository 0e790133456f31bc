"""How a debtor's e-mail address goes on the wire, and which SMTP replies mean the address is dead.

The domain is IDNA-encoded (``café.example`` → ``xn--caf-dma.example``, the ``idna`` package,
UTS #46 mapping), so an address with a non-ASCII domain and an ASCII local part travels through
any SMTP server. A non-ASCII local part (``jürgen@…``) cannot be encoded: it needs a server that
offers SMTPUTF8 (RFC 6531), which :class:`~serving.senders.email_smtp.SmtpSender` checks before
sending. An address that cannot be written at all is :class:`AddressUnusableError` at once.

This module must never change the local part: only its owner's mail server may interpret it.
"""

import re
from dataclasses import dataclass
from email.headerregistry import Address

import idna

from ledger.enums import Channel
from serving.senders.base import AddressUnusableError

EMAIL = frozenset({Channel.EMAIL})
# RFC 3463 enhanced status codes: 5.1.x is a bad destination address (no such mailbox, bad domain,
# bad syntax, moved), 5.2.1 a mailbox disabled for good. 5.7.x (policy, relaying denied) is about
# us, not the debtor, and never marks an address dead.
_DEAD_ENHANCED = re.compile(rb"^\s*5\.(1\.\d+|2\.1)\b")
_ANY_ENHANCED = re.compile(rb"^\s*[245]\.\d+\.\d+\b")
# without an enhanced code: syntax error in the address, mailbox unavailable, user not local,
# mailbox name not allowed
_DEAD_BASIC = frozenset({501, 550, 551, 553})


@dataclass(frozen=True)
class WireAddress:
    """The address as sent: ``addr_spec`` (envelope and header), and whether it needs SMTPUTF8."""

    local: str
    domain: str

    @property
    def addr_spec(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local.isascii()

    def header(self, display_name: str) -> Address:
        return Address(display_name=display_name, username=self.local, domain=self.domain)


def wire_address(raw: str | None, who: str) -> WireAddress:
    """The address to send to, its domain in A-labels; :class:`AddressUnusableError` naming ``who``
    (the debtor) when there is none or it cannot be written."""
    text = (raw or "").strip()
    local, at, domain = text.rpartition("@")
    if not text:
        raise AddressUnusableError(f"debtor {who} has no e-mail address", EMAIL)
    if not at or not local or not domain or any(ch.isspace() for ch in text):
        raise AddressUnusableError(f"debtor {who}: {text!r} is not an e-mail address", EMAIL)
    if domain.isascii():  # left to its mail server as it is, as every ASCII domain always was
        return WireAddress(local, domain)
    try:
        ascii_domain = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError as err:
        raise AddressUnusableError(
            f"debtor {who}: the domain of {text!r} cannot be encoded (IDNA): {err}", EMAIL
        ) from err
    return WireAddress(local, ascii_domain)


def address_is_dead(code: int, reply: bytes) -> bool:
    """Does this SMTP refusal of a recipient mean the address itself will never work?"""
    if not 500 <= code < 600:
        return False
    if _ANY_ENHANCED.match(reply):
        return bool(_DEAD_ENHANCED.match(reply))
    return code in _DEAD_BASIC
