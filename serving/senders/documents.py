"""Printable documents: the invoice copy attached to e-mails and the letter on the creditor's
letterhead, as HTML (Jinja2) and PDF (WeasyPrint). Shared by the e-mail and the letter senders.

WeasyPrint is imported only when a PDF is made, so importing the senders stays cheap. This module
must never fetch anything over the network: only local files (the logo) are resolved.
"""

from pathlib import Path
from typing import Any

from serving.senders.base import Message
from serving.senders.rendering import context, render, render_copy


def logo_file(message: Message) -> Path | None:
    """The creditor's logo when the file is really there (a missing logo is left out, not fatal)."""
    path = message.creditor.logo_path
    if not path:
        return None
    file = Path(path)
    return file if file.is_file() else None


def html_to_pdf(html: str) -> bytes:
    """Lay out HTML as a PDF (A4, embedded fonts); only ``file:`` and ``data:`` URLs resolve."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=("file", "data"), timeout=5)
    pdf = weasyprint.HTML(string=html, base_url=Path.cwd().as_uri() + "/", url_fetcher=fetcher)
    data: bytes = pdf.write_pdf()
    return data


def _document_context(message: Message) -> dict[str, Any]:
    ctx = context(message)
    logo = logo_file(message)
    ctx["logo_url"] = logo.resolve().as_uri() if logo else None
    return ctx


def letter_html(message: Message, template_dir: Path | None = None) -> str:
    """The letter: letterhead, window-envelope address, date, references, the wording, the invoice
    table, IBAN and payment reference, and a signature line."""
    ctx = _document_context(message)
    ctx["copy"] = render_copy(message, ctx, template_dir)
    return render("documents/letter.html.j2", ctx, template_dir)


def invoice_copy_html(message: Message, template_dir: Path | None = None) -> str:
    """One page per invoice; a consumer's copy is marked BETALINGSHERINNERING / PAYMENT REMINDER."""
    return render("documents/invoice_copy.html.j2", _document_context(message), template_dir)


def letter_pdf(message: Message, template_dir: Path | None = None) -> bytes:
    return html_to_pdf(letter_html(message, template_dir))


def invoice_copy_pdf(message: Message, template_dir: Path | None = None) -> bytes:
    return html_to_pdf(invoice_copy_html(message, template_dir))
