"""The e-mail sender: SMTP (``smtplib``) with an HTML and a text part, the creditor's logo inline
and the invoice copy attached as a PDF (the 14-day letter attaches the letter as well).

Settings: ``DUNFLOW_SMTP_HOST``/``PORT``/``FROM``/``USER``/``PASSWORD``/``STARTTLS``. Options
(``sender_config["email"]``): ``from_address`` (overrides ``DUNFLOW_SMTP_FROM``), ``reply_to``,
``attach_invoice`` (default true). The From display name is the creditor's name.

Idempotency: the Message-ID is derived from the idempotency key, so a retried message is the same
message to every mail program. Errors: nothing listening, timeouts, 4xx → TransientSendError; 5xx →
PermanentSendError, and :class:`AddressUnusableError` when the address itself is dead: no or an
invalid address, a recipient refused with 5.1.x / 5.2.1 (or 501/550/551/553 without an enhanced
code), or a non-ASCII local part on a server without SMTPUTF8. Addresses: the domain goes out IDNA-
encoded, a non-ASCII local part with SMTPUTF8 (:mod:`serving.senders.email_address`). This module
must never send to any address but the debtor's.
"""

import hashlib
import mimetypes
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from ledger.enums import Channel
from ledger.types import utcnow
from serving.senders.base import (
    AddressUnusableError,
    Message,
    PermanentSendError,
    Receipt,
    TransientSendError,
)
from serving.senders.documents import invoice_copy_pdf, letter_pdf, logo_file
from serving.senders.email_address import EMAIL, address_is_dead, wire_address
from serving.senders.rendering import context, render, render_copy
from serving.senders.settings import SenderSettings

LOGO_CID = "creditor-logo"


def message_id(idempotency_key: str, from_address: str) -> str:
    """``<hash-of-key@domain>``: the same key always gives the same Message-ID."""
    domain = from_address.rpartition("@")[2] or "dunflow.local"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def _by_code(code: int, what: str) -> Exception:
    if 400 <= code < 500:
        return TransientSendError(f"{what} (SMTP {code}, try again later)")
    return PermanentSendError(f"{what} (SMTP {code})")


class SmtpSender:
    """E-mail over SMTP."""

    name = "smtp"
    channels = frozenset({Channel.EMAIL})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = dict(options or {})
        self.from_address = str(self.options.get("from_address") or settings.smtp_from)

    def build(self, message: Message) -> EmailMessage:
        """The e-mail as it will be sent (public for previews and tests)."""
        to = wire_address(message.debtor.email, message.debtor.external_id)
        ctx = context(message)
        copy = render_copy(message, ctx, self.settings.template_dir)
        logo = logo_file(message)
        ctx.update(copy=copy, logo_cid=LOGO_CID if logo else None)
        mail = EmailMessage()
        mail["From"] = formataddr((message.creditor.name, self.from_address))
        mail["To"] = to.header(message.debtor.name)
        mail["Subject"] = copy.subject
        mail["Date"] = format_datetime(utcnow())
        mail["Message-ID"] = message_id(message.idempotency_key, self.from_address)
        mail["X-Dunflow-Idempotency-Key"] = message.idempotency_key
        if self.options.get("reply_to"):
            mail["Reply-To"] = str(self.options["reply_to"])
        mail.set_content(render("email/body.txt.j2", ctx, self.settings.template_dir))
        mail.add_alternative(
            render("email/body.html.j2", ctx, self.settings.template_dir), subtype="html"
        )
        if logo is not None:
            maintype, _, subtype = (mimetypes.guess_type(logo.name)[0] or "image/png").partition(
                "/"
            )
            html_part = next(p for p in mail.iter_parts() if p.get_content_type() == "text/html")
            assert isinstance(html_part, EmailMessage)
            html_part.add_related(
                logo.read_bytes(), maintype=maintype, subtype=subtype, cid=f"<{LOGO_CID}>"
            )
        self._attach(mail, message, ctx["language"])
        mail["Content-Language"] = ctx["language"]  # last: set_content drops Content-* headers
        return mail

    def _attach(self, mail: EmailMessage, message: Message, language: str) -> None:
        if not message.invoices or not self.options.get("attach_invoice", True):
            return
        tmpl = self.settings.template_dir
        if message.kind == "fourteen_day_letter":
            name = "brief.pdf" if language == "nl" else "letter.pdf"
            pdf = letter_pdf(message, tmpl)
            mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
        if message.kind == "payment_thanks":
            return
        word = "factuur" if language == "nl" else "invoice"
        many = "facturen" if language == "nl" else "invoices"
        first = message.invoices[0].number
        filename = f"{word}-{first}.pdf" if len(message.invoices) == 1 else f"{many}.pdf"
        filename = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
        pdf = invoice_copy_pdf(message, tmpl)
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)

    def send(self, message: Message) -> Receipt:
        mail = self.build(message)
        s = self.settings
        wire = wire_address(message.debtor.email, message.debtor.external_id)
        to = wire.addr_spec
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                smtp.ehlo_or_helo_if_needed()
                if wire.needs_smtputf8 and not smtp.has_extn("smtputf8"):
                    raise AddressUnusableError(
                        f"recipient {to} has a non-ASCII local part, which needs SMTPUTF8, and "
                        f"the SMTP server {s.smtp_host}:{s.smtp_port} does not offer it",
                        EMAIL,
                    )
                smtp.send_message(mail, from_addr=self.from_address, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as err:
            code, reply = next(iter(err.recipients.values()), (550, b""))
            what = f"recipient {to} refused: {reply!r}"
            if address_is_dead(code, reply):
                raise AddressUnusableError(f"{what} (SMTP {code})", EMAIL) from err
            raise _by_code(code, what) from err
        except smtplib.SMTPAuthenticationError as err:
            raise TransientSendError(f"SMTP login failed (check the settings): {err}") from err
        except smtplib.SMTPResponseException as err:
            raise _by_code(err.smtp_code, f"SMTP server refused: {err.smtp_error!r}") from err
        except (smtplib.SMTPException, OSError) as err:
            raise TransientSendError(f"SMTP server {s.smtp_host}:{s.smtp_port}: {err}") from err
        return Receipt(self.name, str(mail["Message-ID"]), utcnow(), f"accepted for {to}")
