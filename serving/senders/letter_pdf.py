"""The letter sender: a PDF on the creditor's letterhead in the outbox for a print-and-post service.

Writes ``<DUNFLOW_OUTBOX_DIR>/letters/<date>/<key>.pdf`` and, once the PDF is complete, a JSON
sidecar ``<key>.json`` (recipient address, pages' purpose, postage, checksum, receipt) that tells
the print service the letter is ready. The 14-day letter states the exact collection costs from
``message.extra["collection_costs_cents"]`` and the term "binnen veertien dagen na de dag van
ontvangst van deze brief"; it is refused without the amount. Options (``sender_config["letter"]``):
``registered`` (bool, send with proof of receipt), ``postage`` ("standard" or "priority").

This sender must never rewrite a letter that is already in the outbox: a second send of the same
idempotency key returns the first receipt.
"""

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledger.enums import Channel
from ledger.types import utcnow
from serving.senders.base import AddressUnusableError, Message, Receipt
from serving.senders.documents import letter_pdf
from serving.senders.formatting import safe_name
from serving.senders.outbox_files import (
    create_once,
    day_folder,
    receipt_from_manifest,
    write_json_once,
)
from serving.senders.settings import SenderSettings


class LetterPdfSender:
    """Letters as PDF files plus a manifest for the print service."""

    name = "letter_pdf"
    channels = frozenset({Channel.LETTER})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = dict(options or {})

    def paths(self, message: Message) -> tuple[Path, Path]:
        folder = day_folder(self.settings.outbox_dir, "letters", message.send_at)
        stem = safe_name(message.idempotency_key)
        return folder / f"{stem}.pdf", folder / f"{stem}.json"

    def send(self, message: Message) -> Receipt:
        pdf_path, manifest_path = self.paths(message)
        if manifest_path.exists():
            return receipt_from_manifest(manifest_path)
        debtor = message.debtor
        if not (debtor.address_line and (debtor.postal_code or debtor.city)):
            raise AddressUnusableError(
                f"debtor {debtor.external_id} has no postal address", {Channel.LETTER}
            )
        if not pdf_path.exists():
            create_once(pdf_path, letter_pdf(message, self.settings.template_dir))
        data = pdf_path.read_bytes()
        rel = pdf_path.relative_to(self.settings.outbox_dir).as_posix()
        receipt = Receipt(self.name, rel, utcnow(), f"letter {message.kind} queued for printing")
        manifest = {
            "idempotency_key": message.idempotency_key,
            "pdf": pdf_path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "kind": message.kind,
            "stage": str(message.stage),
            "language": message.language,
            "creditor": message.creditor.name,
            "recipient": {
                "name": debtor.name,
                "address_line": debtor.address_line,
                "postal_code": debtor.postal_code,
                "city": debtor.city,
                "country": debtor.country or message.creditor.country,
            },
            "registered": bool(self.options.get("registered", False)),
            "postage": str(self.options.get("postage", "standard")),
            "invoices": [line.number for line in message.invoices],
            "collection_costs_cents": message.extra.get("collection_costs_cents"),
            "receipt": receipt.to_dict(),
        }
        if not write_json_once(manifest_path, manifest):
            return receipt_from_manifest(manifest_path)  # another dispatcher was quicker
        return receipt
