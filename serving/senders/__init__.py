"""Pluggable senders (e-mail, SMS, robocall, letter, call list) behind one small protocol.

The public API: the values (:class:`Message`, :class:`Receipt` and their parts), the
:class:`Sender` protocol and its two errors, the registry (:func:`get_sender`,
:func:`sender_for`) and the settings. Importing this package loads neither WeasyPrint nor a
network client connection. See ``serving/senders/README.md`` and :mod:`serving.senders.registry`
(how to add a sender).
"""

from serving.senders.base import (
    AddressUnusableError,
    CreditorInfo,
    DebtorInfo,
    InvoiceLine,
    Message,
    PermanentSendError,
    Receipt,
    Sender,
    SendError,
    TransientSendError,
)
from serving.senders.registry import (
    DEFAULTS,
    LOCAL_SINKS,
    SenderConfigError,
    UnknownSenderError,
    get_sender,
    registered,
    sender_for,
)
from serving.senders.settings import SenderSettings, get_sender_settings

__all__ = [
    "DEFAULTS",
    "LOCAL_SINKS",
    "AddressUnusableError",
    "CreditorInfo",
    "DebtorInfo",
    "InvoiceLine",
    "Message",
    "PermanentSendError",
    "Receipt",
    "SendError",
    "Sender",
    "SenderConfigError",
    "SenderSettings",
    "TransientSendError",
    "UnknownSenderError",
    "get_sender",
    "get_sender_settings",
    "registered",
    "sender_for",
]
