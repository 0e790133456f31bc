"""The sender protocol and what flows through it: a :class:`Message` in, a :class:`Receipt` out.

Every sender turns one message (one contact with one debtor, bundling all the invoices it covers)
into one delivery on one medium. Senders know nothing of the ledger, the model or the law: the
figures the law demands (collection costs, the term wording) arrive in ``Message.extra``. A sender
must never decide whether to send; it sends, or raises :class:`TransientSendError` (retry later)
or :class:`PermanentSendError` (give up and tell the dossier why), the subclass
:class:`AddressUnusableError` when the debtor's address itself is the problem.

Idempotency: the same ``idempotency_key`` sent twice must not reach the debtor twice where the
medium allows it (files: the name comes from the key and is never rewritten; SMTP: the Message-ID
comes from the key; webhooks: an ``Idempotency-Key`` header).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from ledger.enums import Channel, Stage, Tone

KINDS = (
    "reminder",
    "fourteen_day_letter",
    "promise_confirmation",
    "payment_thanks",
    "broken_promise",
)


class SendError(Exception):
    """A message was not sent."""


class TransientSendError(SendError):
    """Not sent now, may succeed later: retry with backoff (server down, 4xx SMTP, timeouts)."""


class PermanentSendError(SendError):
    """Will never succeed as it stands: mark the contact failed and record the reason."""


class AddressUnusableError(PermanentSendError):
    """The debtor's address can never take messages on ``channels`` (a hard bounce, a refused
    recipient, a bad number, an undeliverable postal address, an address the mail server cannot
    carry): the contact fails and the dispatcher records ``channel_unusable`` in the dossier, so
    the rules choose another channel until the address changes."""

    def __init__(self, problem: str, channels: Iterable[Channel]) -> None:
        super().__init__(problem)
        self.channels = frozenset(channels)


@dataclass(frozen=True)
class CreditorInfo:
    name: str
    iban: str | None = None
    logo_path: str | None = None
    language: str = "nl"
    country: str = "NL"


@dataclass(frozen=True)
class DebtorInfo:
    id: int
    external_id: str
    name: str
    kind: str = "b2b"
    email: str | None = None
    phone: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    language: str = "nl"


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    issue_date: date
    due_date: date
    amount_cents: int
    open_amount_cents: int
    currency: str = "EUR"
    payment_reference: str | None = None

    @property
    def reference(self) -> str:
        """What the debtor quotes when paying: the payment reference, else the invoice number."""
        return self.payment_reference or self.number


@dataclass(frozen=True)
class Message:
    """One contact to send. ``extra`` carries what only some kinds need, e.g. for the 14-day
    letter ``collection_costs_cents``, ``letter_date`` and ``term_wording``; for a promise
    confirmation ``promised_date``; ``kind`` overrides the kind read from ``template``."""

    idempotency_key: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoices: tuple[InvoiceLine, ...]
    channel: Channel
    tone: Tone
    stage: Stage
    template: str
    language: str
    send_at: datetime
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def kind(self) -> str:
        """reminder, fourteen_day_letter, promise_confirmation, payment_thanks or broken_promise:
        ``extra["kind"]``, else a kind other than reminder that the template name starts with,
        else fourteen_day_letter at that stage, else reminder."""
        explicit = self.extra.get("kind")
        if explicit is not None:
            if explicit not in KINDS:
                raise PermanentSendError(f"unknown message kind {explicit!r}; known: {KINDS}")
            return str(explicit)
        for kind in KINDS[1:]:
            if self.template.startswith(kind):
                return kind
        if self.stage == Stage.FOURTEEN_DAY_LETTER:  # the stage outranks a generic "reminder"
            return "fourteen_day_letter"
        return "reminder"

    @property
    def total_open_cents(self) -> int:
        return sum(line.open_amount_cents for line in self.invoices)

    @property
    def currency(self) -> str:
        return self.invoices[0].currency if self.invoices else "EUR"


@dataclass(frozen=True)
class Receipt:
    """Proof that a sender handed the message on: who, under which provider id, when, and how."""

    sender: str
    provider_id: str
    sent_at: datetime
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "sender": self.sender,
            "provider_id": self.provider_id,
            "sent_at": self.sent_at.isoformat(),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Receipt":
        return cls(
            sender=str(data["sender"]),
            provider_id=str(data["provider_id"]),
            sent_at=datetime.fromisoformat(str(data["sent_at"])),
            detail=str(data.get("detail", "")),
        )


@runtime_checkable
class Sender(Protocol):
    """Sends one message on the channels it serves. Must be idempotent per idempotency key."""

    name: str
    channels: frozenset[Channel]

    def send(self, message: Message) -> Receipt: ...
