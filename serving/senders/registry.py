"""Which sender sends what: built-ins registered in code, third-party senders by entry point, and
each creditor's choice per channel.

``Creditor.sender_config`` maps a channel to ``{"sender": <name>, ...options}``; a channel not
named there uses the default: email → ``smtp``, sms and robocall → ``webhook``, letter →
``letter_pdf``, phone → ``call_list``. The local sinks for the demo are ``smtp`` to a local server
(aiosmtpd), ``letter_pdf`` and ``call_list`` (files), and ``sms_file`` for sms and robocall.

How to add a sender:

1. Write a class with ``name: str``, ``channels: frozenset[Channel]`` and
   ``send(self, message: Message) -> Receipt`` (see :mod:`serving.senders.base`), whose
   constructor takes ``(settings: SenderSettings, options: Mapping[str, Any])``; make it
   idempotent per ``message.idempotency_key`` and raise ``TransientSendError`` or
   ``PermanentSendError``, never anything else, for a failed send.
2. Register it: a built-in goes into ``_BUILTINS`` below; a third-party package declares an
   entry point in its own ``pyproject.toml``::

       [project.entry-points."dunflow.senders"]
       acme_sms = "acme_dunflow.sms:AcmeSmsSender"

3. Choose it for a creditor: ``creditor.sender_config = {"sms": {"sender": "acme_sms",
   "sender_id": "ACME"}}``; test it against a local fake of the medium, as
   ``tests/serving/senders/`` does for SMTP and the webhook.

Built-ins are registered first and win over an entry point of the same name (as in MLflow). An
entry point that fails to load is logged and skipped, so one broken plug-in cannot stop the
others. This module must never import a sender's heavy dependencies before it is used.
"""

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import metadata
from typing import Any

from ledger.channels import CHANNELS as CHANNEL_FACTS
from ledger.enums import Channel
from serving.senders.base import PermanentSendError, Sender
from serving.senders.call_list import CallListSender
from serving.senders.email_smtp import SmtpSender
from serving.senders.letter_pdf import LetterPdfSender
from serving.senders.settings import SenderSettings, get_sender_settings
from serving.senders.sms_file import SmsFileSender
from serving.senders.webhook import WebhookSender

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "dunflow.senders"
SenderFactory = Callable[[SenderSettings, Mapping[str, Any]], Sender]
DEFAULTS: dict[Channel, str] = {f.channel: f.sender for f in CHANNEL_FACTS}
# the demo: no provider account needed (e-mail to a local server, see serving.senders.local_mail)
LOCAL_SINKS: dict[str, dict[str, Any]] = {
    f.channel.value: {"sender": f.local_sink} for f in CHANNEL_FACTS
}
_BUILTINS: dict[str, SenderFactory] = {
    "smtp": SmtpSender,
    "webhook": WebhookSender,
    "letter_pdf": LetterPdfSender,
    "call_list": CallListSender,
    "sms_file": SmsFileSender,
}


class UnknownSenderError(PermanentSendError, LookupError):
    """A sender name that no built-in and no installed entry point provides."""


class SenderConfigError(PermanentSendError, ValueError):
    """A creditor's sender configuration that cannot work (wrong channel, malformed)."""


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, SenderFactory]:
    found: dict[str, SenderFactory] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _BUILTINS:
            log.warning("sender entry point %s is shadowed by the built-in of that name", ep.name)
            continue
        try:
            found[ep.name] = ep.load()
        except Exception as err:  # a broken plug-in must not take the others down
            log.warning("sender entry point %s (%s) failed to load: %s", ep.name, ep.value, err)
    return found


def reload_entry_points() -> None:
    """Forget the entry points read so far (after installing a plug-in, and in tests)."""
    _entry_points.cache_clear()


def registered() -> dict[str, SenderFactory]:
    """Every sender by name: entry points first, then the built-ins over them."""
    return {**_entry_points(), **_BUILTINS}


def get_sender(
    name: str, settings: SenderSettings | None = None, options: Mapping[str, Any] | None = None
) -> Sender:
    """An instance of the sender called ``name``."""
    factories = registered()
    factory = factories.get(name)
    if factory is None:
        known = ", ".join(sorted(factories))
        raise UnknownSenderError(
            f"no sender named {name!r}; registered: {known} (third-party senders register "
            f"through the entry point group {ENTRY_POINT_GROUP!r})"
        )
    return factory(settings or get_sender_settings(), dict(options or {}))


def sender_for(
    creditor_sender_config: Mapping[str, Any],
    channel: Channel | str,
    settings: SenderSettings | None = None,
) -> Sender:
    """The sender a creditor chose for ``channel`` (or the default), with its options."""
    channel = Channel(channel)
    entry = creditor_sender_config.get(str(channel)) or {}
    if not isinstance(entry, Mapping):
        raise SenderConfigError(f"sender_config[{str(channel)!r}] must be an object")
    options = {k: v for k, v in entry.items() if k != "sender"}
    sender = get_sender(str(entry.get("sender") or DEFAULTS[channel]), settings, options)
    if channel not in sender.channels:
        served = ", ".join(sorted(str(c) for c in sender.channels))
        raise SenderConfigError(f"sender {sender.name!r} sends {served}, not {channel}")
    return sender
