"""The registry: built-ins, entry-point plug-ins, per-creditor choice and clear errors."""

from collections.abc import Iterator, Mapping
from importlib import metadata
from typing import Any

import pytest

from ledger.enums import Channel
from serving.senders import registry
from serving.senders.base import Message, Receipt, Sender
from serving.senders.call_list import CallListSender
from serving.senders.letter_pdf import LetterPdfSender
from serving.senders.settings import SenderSettings
from serving.senders.sms_file import SmsFileSender
from serving.senders.webhook import WebhookSender


class PigeonSender:
    """A third-party sender, as a plug-in package would ship it."""

    name = "pigeon"
    channels = frozenset({Channel.LETTER})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any]) -> None:
        self.options = options

    def send(self, message: Message) -> Receipt:
        raise NotImplementedError


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    eps = [
        metadata.EntryPoint("pigeon", f"{__name__}:PigeonSender", registry.ENTRY_POINT_GROUP),
        metadata.EntryPoint("broken", "no_such_module:Nothing", registry.ENTRY_POINT_GROUP),
        metadata.EntryPoint("smtp", f"{__name__}:PigeonSender", registry.ENTRY_POINT_GROUP),
    ]

    def fake(**kw: Any) -> list[metadata.EntryPoint]:
        assert kw == {"group": registry.ENTRY_POINT_GROUP}
        return eps

    monkeypatch.setattr(registry.metadata, "entry_points", fake)
    registry.reload_entry_points()
    yield
    registry.reload_entry_points()


def test_builtins_are_registered(settings: SenderSettings) -> None:
    assert {"smtp", "webhook", "letter_pdf", "call_list", "sms_file"} <= set(registry.registered())
    for name in registry.registered():
        sender = registry.get_sender(name, settings)
        assert isinstance(sender, Sender)
        assert sender.name == name


def test_entry_point_sender_is_discovered(settings: SenderSettings, plugins: None) -> None:
    names = registry.registered()
    assert "pigeon" in names
    assert "broken" not in names  # logged and skipped
    assert registry.registered()["smtp"] is not PigeonSender  # built-ins win
    sender = registry.sender_for({"letter": {"sender": "pigeon", "loft": "A"}}, "letter", settings)
    assert isinstance(sender, PigeonSender)
    assert sender.options == {"loft": "A"}


def test_defaults_per_channel(settings: SenderSettings) -> None:
    expected = {
        Channel.EMAIL: "smtp",
        Channel.SMS: "webhook",
        Channel.ROBOCALL: "webhook",
        Channel.LETTER: "letter_pdf",
        Channel.PHONE: "call_list",
    }
    for channel, name in expected.items():
        assert registry.sender_for({}, channel, settings).name == name
    assert isinstance(registry.sender_for({}, "letter", settings), LetterPdfSender)
    assert isinstance(registry.sender_for({}, Channel.PHONE, settings), CallListSender)
    assert isinstance(registry.sender_for({}, Channel.SMS, settings), WebhookSender)


def test_creditor_config_chooses_the_local_sink(settings: SenderSettings) -> None:
    config = {"sms": {"sender": "sms_file"}, "robocall": {"sender": "sms_file"}}
    assert isinstance(registry.sender_for(config, Channel.SMS, settings), SmsFileSender)
    assert isinstance(registry.sender_for(config, Channel.ROBOCALL, settings), SmsFileSender)


def test_unknown_sender_name_is_a_clear_error(settings: SenderSettings) -> None:
    with pytest.raises(registry.UnknownSenderError, match=r"no sender named 'carrier'.*smtp"):
        registry.sender_for({"email": {"sender": "carrier"}}, Channel.EMAIL, settings)
    with pytest.raises(LookupError):
        registry.get_sender("carrier", settings)


def test_sender_on_the_wrong_channel_is_refused(settings: SenderSettings) -> None:
    with pytest.raises(registry.SenderConfigError, match=r"call_list.*not email"):
        registry.sender_for({"email": {"sender": "call_list"}}, Channel.EMAIL, settings)
    with pytest.raises(registry.SenderConfigError, match="must be an object"):
        registry.sender_for({"email": "smtp"}, Channel.EMAIL, settings)
