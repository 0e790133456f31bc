"""Send the weekly digest as an HTML e-mail with its PDF attached, and plain-text mails to the
creditor (notifications, call case reports), through ``smtplib`` (stdlib only).

Uses the senders' SMTP settings (``DUNFLOW_SMTP_HOST``/``PORT``/``FROM``/``USER``/``PASSWORD``/
``STARTTLS``; :class:`serving.senders.settings.SenderSettings`) or any object with the same
attributes. The digest goes to the client, never to a debtor; it is not an outbox message, so it
does not pass through the dunning senders' idempotency machinery.
"""

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, Protocol


class SmtpSettings(Protocol):
    smtp_host: str
    smtp_port: int
    smtp_from: str


def _opt(settings: SmtpSettings, name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def text_message(
    text: str, *, to: list[str], subject: str, sender: str, message_id: str | None = None
) -> EmailMessage:
    """A plain-text e-mail to the creditor (a notification, a call case report)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Message-ID"] = message_id or make_msgid(domain="dunflow.local")
    msg.set_content(text)
    return msg


def digest_message(
    html: str, pdf_bytes: bytes, *, to: str, subject: str, sender: str, filename: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain="dunflow.local")
    msg.set_content("This digest is best read as HTML; the PDF is attached.")
    msg.add_alternative(html, subtype="html")
    msg.add_attachment(pdf_bytes, maintype="application", subtype="pdf", filename=filename)
    return msg


def send_digest_email(
    html: str,
    pdf_bytes: bytes,
    to: str,
    settings: SmtpSettings,
    *,
    subject: str = "Weekly digest",
    creditor_name: str = "dunflow",
    filename: str = "weekly.pdf",
) -> str:
    """Send one digest; returns its Message-ID. SMTP errors propagate to the caller."""
    msg = digest_message(
        html,
        pdf_bytes,
        to=to,
        subject=subject,
        sender=formataddr((creditor_name, settings.smtp_from)),
        filename=filename,
    )
    return deliver(msg, settings)


def deliver(msg: EmailMessage, settings: SmtpSettings) -> str:
    """Send ``msg`` through the configured SMTP server; returns its Message-ID."""
    timeout = float(_opt(settings, "smtp_timeout_s", 10.0))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if _opt(settings, "smtp_starttls", False):
            smtp.starttls()
        user = _opt(settings, "smtp_user", "")
        if user:
            password = _opt(settings, "smtp_password", "")
            secret = (
                password.get_secret_value() if hasattr(password, "get_secret_value") else password
            )
            smtp.login(user, str(secret))
        smtp.send_message(msg)
    return str(msg["Message-ID"])
