"""Building a :class:`~serving.senders.base.Message` from ledger rows, for the dispatcher.

The senders themselves never read the ledger; this is the one place that translates rows into
the frozen values they receive. It must never write to the ledger.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ledger.enums import Channel, Stage, Tone
from ledger.tables import Contact, Creditor, Debtor, Invoice
from serving.senders.base import CreditorInfo, DebtorInfo, InvoiceLine, Message
from serving.senders.formatting import resolve_language


def creditor_info(row: Creditor) -> CreditorInfo:
    return CreditorInfo(row.name, row.iban, row.logo_path, row.language, row.country)


def debtor_info(row: Debtor) -> DebtorInfo:
    if row.id is None:
        raise ValueError("the debtor has no id yet (flush first)")
    return DebtorInfo(
        id=row.id,
        external_id=row.external_id,
        name=row.name,
        kind=row.kind,
        email=row.email,
        phone=row.phone,
        address_line=row.address_line,
        postal_code=row.postal_code,
        city=row.city,
        country=row.country,
        language=row.language,
    )


def invoice_line(row: Invoice) -> InvoiceLine:
    return InvoiceLine(
        number=row.number,
        issue_date=row.issue_date,
        due_date=row.due_date,
        amount_cents=row.amount_cents,
        open_amount_cents=row.open_amount_cents,
        currency=row.currency,
        payment_reference=row.payment_reference,
    )


def message_for_contact(
    contact: Contact,
    *,
    creditor: Creditor,
    debtor: Debtor,
    invoices: Iterable[Invoice],
    send_at: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Message:
    """The message for a planned contact; ``extra`` carries e.g. the 14-day letter's costs."""
    when = send_at or contact.scheduled_at
    if when is None:
        raise ValueError(f"contact {contact.idempotency_key} has no send time")
    return Message(
        idempotency_key=contact.idempotency_key,
        creditor=creditor_info(creditor),
        debtor=debtor_info(debtor),
        invoices=tuple(invoice_line(i) for i in sorted(invoices, key=lambda i: i.due_date)),
        channel=Channel(contact.channel),
        tone=Tone(contact.tone),
        stage=Stage(contact.stage),
        template=contact.template or contact.stage,
        language=resolve_language(debtor.language, creditor.language),
        send_at=when,
        extra=MappingProxyType(dict(extra or {})),
    )
