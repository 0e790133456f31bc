"""SMS and robocalls through an HTTP provider: a generic JSON webhook signed with HMAC-SHA256.

The request: ``POST <DUNFLOW_SMS_WEBHOOK_URL>`` with the JSON body ``{idempotency_key, channel,
to, language, text (SMS, at most 320 characters) | script (robocall), callback_url}`` and headers
``Idempotency-Key``, ``X-Dunflow-Timestamp`` (Unix seconds) and ``X-Dunflow-Signature:
sha256=<hex>``, the HMAC of ``<timestamp>.<raw body>`` with ``DUNFLOW_SMS_WEBHOOK_SECRET``: the
timestamp is signed too, so an old request cannot be replayed. The provider reports delivery to
``callback_url`` (``POST /v1/delivery-status``), signed the same way and checked with
:func:`verify_signature`.

Answers: 2xx (and 409, "already have it") → a receipt; 408, 429, 5xx, timeouts, connection errors →
:class:`TransientSendError`; 422 ("this number cannot take this channel": unknown, invalid, a
landline for SMS) → :class:`AddressUnusableError`; other 4xx → :class:`PermanentSendError` (a
refusal about us — signature, payload — never marks the debtor's number dead). Options
(``sender_config["sms"|"robocall"]``): ``url`` (overrides the setting), ``sender_id``. The secret is
only ever read from the environment. This module must never log the secret or a signature.
"""

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ledger.enums import Channel
from ledger.types import utcnow
from serving.senders.base import (
    AddressUnusableError,
    Message,
    PermanentSendError,
    Receipt,
    TransientSendError,
)
from serving.senders.formatting import normalise_phone
from serving.senders.rendering import context, render
from serving.senders.settings import SenderSettings

SIGNATURE_HEADER = "X-Dunflow-Signature"
TIMESTAMP_HEADER = "X-Dunflow-Timestamp"
SMS_MAX_CHARS = 320


class SignatureError(ValueError):
    """A webhook or callback signature does not hold; ``header`` names the culprit."""

    def __init__(self, header: str, problem: str) -> None:
        super().__init__(problem)
        self.header, self.problem = header, problem


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of b"<timestamp>." + body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    tolerance_s: int = 300,
    *,
    now: float | None = None,
) -> None:
    """Return when the signature is good and fresh; raise :class:`SignatureError` otherwise."""
    if not timestamp:
        raise SignatureError(TIMESTAMP_HEADER, "missing timestamp")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError(TIMESTAMP_HEADER, "timestamp is not Unix seconds") from None
    if abs((time.time() if now is None else now) - sent) > tolerance_s:
        raise SignatureError(TIMESTAMP_HEADER, f"timestamp is more than {tolerance_s} s off")
    if not signature:
        raise SignatureError(SIGNATURE_HEADER, "missing signature")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise SignatureError(SIGNATURE_HEADER, "signature does not match the body")


def _short_text(message: Message, template_dir: Path | None) -> str:
    ctx = context(message)
    name = f"short/{ctx['language']}/{message.channel}.txt.j2"
    return re.sub(r"\s+", " ", render(name, ctx, template_dir)).strip()


def payload_for(
    message: Message, *, callback_url: str, template_dir: Path | None
) -> dict[str, Any]:
    """The JSON body of one SMS or robocall."""
    if message.channel not in (Channel.SMS, Channel.ROBOCALL):
        raise PermanentSendError(f"the webhook sends sms and robocall, not {message.channel}")
    if not message.debtor.phone:
        raise AddressUnusableError(
            f"debtor {message.debtor.external_id} has no phone number", {message.channel}
        )
    payload: dict[str, Any] = {
        "idempotency_key": message.idempotency_key,
        "channel": str(message.channel),
        "to": normalise_phone(message.debtor.phone, message.debtor.country),
        "language": message.language,
        "callback_url": callback_url,
    }
    text = _short_text(message, template_dir)
    if message.channel == Channel.SMS:
        if len(text) > SMS_MAX_CHARS:
            text = text[: SMS_MAX_CHARS - 1].rstrip() + "…"
        payload["text"] = text
    else:
        payload["script"] = text
    return payload


class WebhookSender:
    """SMS and robocalls via the signed JSON webhook."""

    name = "webhook"
    channels = frozenset({Channel.SMS, Channel.ROBOCALL})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = dict(options or {})
        self.url = str(self.options.get("url") or settings.sms_webhook_url)

    def send(self, message: Message) -> Receipt:
        secret = self.settings.sms_webhook_secret.get_secret_value()
        if not self.url or not secret:
            raise PermanentSendError(
                "the webhook needs DUNFLOW_SMS_WEBHOOK_URL and DUNFLOW_SMS_WEBHOOK_SECRET"
            )
        payload = payload_for(
            message,
            callback_url=self.settings.delivery_callback_url,
            template_dir=self.settings.template_dir,
        )
        if "sender_id" in self.options:
            payload["sender_id"] = str(self.options["sender_id"])
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        try:
            with httpx.Client(timeout=self.settings.sms_webhook_timeout_s) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as err:
            raise TransientSendError(f"webhook timed out: {err}") from err
        except httpx.HTTPError as err:
            raise TransientSendError(f"webhook unreachable: {err}") from err
        return self._receipt(message, response)

    def _receipt(self, message: Message, response: httpx.Response) -> Receipt:
        status = response.status_code
        detail = f"HTTP {status}: {response.text[:200]}"
        if status in (408, 429) or status >= 500:
            raise TransientSendError(f"webhook answered {detail}")
        if status == 422:
            raise AddressUnusableError(
                f"the provider cannot deliver {message.channel} to this number: {detail}",
                {message.channel},
            )
        if status >= 400 and status != 409:
            raise PermanentSendError(f"webhook refused the message: {detail}")
        provider_id = message.idempotency_key
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            provider_id = str(answer.get("id") or answer.get("provider_id") or provider_id)
        note = "already accepted" if status == 409 else "accepted"
        return Receipt(
            self.name, provider_id, utcnow(), f"{message.channel} {note} (HTTP {status})"
        )
