"""The SMS/robocall webhook against a local HTTP server that checks the HMAC signature, and the
local SMS file sink."""

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ledger.enums import Channel, Tone
from serving.senders.base import AddressUnusableError, PermanentSendError, TransientSendError
from serving.senders.settings import SenderSettings
from serving.senders.sms_file import SmsFileSender
from serving.senders.webhook import (
    SMS_MAX_CHARS,
    SignatureError,
    WebhookSender,
    sign,
    verify_signature,
)
from tests.serving.senders.conftest import IBAN, REFERENCE, MessageFactory

SECRET = "test-webhook-secret"


@dataclass
class Provider:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def provider() -> Iterator[Provider]:
    """A fake SMS provider: verifies the signature, then answers by path."""
    state = Provider(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                verify_signature(
                    SECRET,
                    self.headers.get("X-Dunflow-Timestamp"),
                    body,
                    self.headers.get("X-Dunflow-Signature"),
                )
            except SignatureError as err:
                self._answer(401, {"error": str(err)})
                return
            state.received.append({"headers": dict(self.headers), "json": json.loads(body)})
            if self.path == "/slow":
                time.sleep(0.6)
            answers = {"/ok": 200, "/dup": 409, "/down": 503, "/bad": 400, "/slow": 200}
            answers["/landline"] = 422
            self._answer(answers.get(self.path, 404), {"id": "prov-123"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client timed out
                self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _settings(settings: SenderSettings, url: str, **kw: Any) -> SenderSettings:
    return settings.model_copy(
        update={"sms_webhook_url": url, "sms_webhook_secret": _secret(SECRET), **kw}
    )


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def test_sms_is_signed_and_accepted(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    sender = WebhookSender(_settings(settings, f"{provider.url}/ok"), {"sender_id": "ACME"})
    receipt = sender.send(make_message(channel=Channel.SMS, idempotency_key="k-sms-1"))
    assert receipt.sender == "webhook"
    assert receipt.provider_id == "prov-123"
    [request] = provider.received
    assert request["headers"]["Idempotency-Key"] == "k-sms-1"
    assert request["headers"]["X-Dunflow-Signature"].startswith("sha256=")
    body = request["json"]
    assert body["channel"] == "sms"
    assert body["to"] == "+31612345678"
    assert body["sender_id"] == "ACME"
    assert body["callback_url"] == "https://dunflow.example/v1/delivery-status"
    assert len(body["text"]) <= SMS_MAX_CHARS
    assert IBAN in body["text"]
    assert REFERENCE in body["text"]
    assert "INV-2026-0042" in body["text"]


def test_robocall_sends_a_script(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    sender = WebhookSender(_settings(settings, f"{provider.url}/ok"))
    sender.send(make_message(channel=Channel.ROBOCALL, language="en", tone=Tone.FIRM))
    body = provider.received[0]["json"]
    assert "text" not in body
    assert body["script"].startswith("Hello, this is an automated message from Acme")
    assert "Please pay this today." in body["script"]


def test_duplicate_is_accepted(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    receipt = WebhookSender(_settings(settings, f"{provider.url}/dup")).send(
        make_message(channel=Channel.SMS)
    )
    assert "already accepted" in receipt.detail


def test_server_error_is_transient(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    with pytest.raises(TransientSendError, match="503"):
        WebhookSender(_settings(settings, f"{provider.url}/down")).send(
            make_message(channel=Channel.SMS)
        )


def test_client_error_is_permanent(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    with pytest.raises(PermanentSendError, match="400") as refused:
        WebhookSender(_settings(settings, f"{provider.url}/bad")).send(
            make_message(channel=Channel.SMS)
        )
    assert not isinstance(refused.value, AddressUnusableError)  # about us, not the number


def test_422_means_the_number_cannot_take_this_channel(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    with pytest.raises(AddressUnusableError, match="422") as refused:
        WebhookSender(_settings(settings, f"{provider.url}/landline")).send(
            make_message(channel=Channel.SMS)
        )
    assert refused.value.channels == {Channel.SMS}


def test_wrong_secret_is_refused_by_the_provider(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    wrong = settings.model_copy(
        update={"sms_webhook_url": f"{provider.url}/ok", "sms_webhook_secret": _secret("nope")}
    )
    with pytest.raises(PermanentSendError, match="401"):
        WebhookSender(wrong).send(make_message(channel=Channel.SMS))
    assert provider.received == []


def test_timeout_is_transient(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    quick = _settings(settings, f"{provider.url}/slow", sms_webhook_timeout_s=0.2)
    with pytest.raises(TransientSendError, match="timed out"):
        WebhookSender(quick).send(make_message(channel=Channel.SMS))


def test_nothing_listening_is_transient(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    from tests.mail import free_port

    closed = _settings(settings, f"http://127.0.0.1:{free_port()}/ok")
    with pytest.raises(TransientSendError, match="unreachable"):
        WebhookSender(closed).send(make_message(channel=Channel.SMS))


def test_missing_configuration_or_phone_is_permanent(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    with pytest.raises(PermanentSendError, match="DUNFLOW_SMS_WEBHOOK_URL"):
        WebhookSender(settings).send(make_message(channel=Channel.SMS))
    configured = _settings(settings, "http://127.0.0.1:9/ok")
    with pytest.raises(AddressUnusableError, match="no phone number"):
        WebhookSender(configured).send(make_message(channel=Channel.SMS, debtor={"phone": None}))


def test_long_sms_is_cut_to_320_characters(
    settings: SenderSettings, provider: Provider, make_message: MessageFactory
) -> None:
    long_name = "Acme " + "Installatietechniek " * 20
    WebhookSender(_settings(settings, f"{provider.url}/ok")).send(
        make_message(channel=Channel.SMS, creditor={"name": long_name})
    )
    text = provider.received[0]["json"]["text"]
    assert len(text) == SMS_MAX_CHARS
    assert text.endswith("…")
    assert IBAN in text  # the facts come before the name


def test_verify_signature() -> None:
    body = b'{"a": 1}'
    now = 1_800_000_000
    good = sign("s", str(now), body)
    verify_signature("s", str(now), body, good, now=now + 10)
    with pytest.raises(SignatureError) as bad:
        verify_signature("s", str(now), body + b" ", good, now=now)
    assert bad.value.header == "X-Dunflow-Signature"
    with pytest.raises(SignatureError) as stale:
        verify_signature("s", str(now), body, good, now=now + 301)
    assert stale.value.header == "X-Dunflow-Timestamp"
    with pytest.raises(SignatureError) as replay:  # another timestamp with the old signature
        verify_signature("s", str(now + 5), body, good, now=now + 5)
    assert replay.value.header == "X-Dunflow-Signature"
    for ts, sig in ((None, good), ("yesterday", good), (str(now), None)):
        with pytest.raises(SignatureError):
            verify_signature("s", ts, body, sig, now=now)


def test_sms_file_sink_writes_one_line_per_key(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    sink = SmsFileSender(settings)
    first = sink.send(make_message(channel=Channel.SMS, idempotency_key="a"))
    again = sink.send(make_message(channel=Channel.SMS, idempotency_key="a"))
    sink.send(make_message(channel=Channel.ROBOCALL, idempotency_key="b"))
    assert first == again
    path = Path(settings.outbox_dir) / "sms" / "2026-03-03.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["idempotency_key"] for r in rows] == ["a", "b"]
    assert rows[0]["to"] == "+31612345678"
    assert "text" in rows[0]
    assert "script" in rows[1]
