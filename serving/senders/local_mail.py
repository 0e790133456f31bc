"""A local SMTP server for the demo: every e-mail it receives is kept as an ``.eml`` file.

``with LocalMailServer(outbox_dir, port=8025): ...`` runs aiosmtpd on 127.0.0.1 and writes
``<outbox>/mail/<YYYY-MM-DD>/<n>-<recipient>.eml``, so the demo's e-mails can be opened in any
mail program without a provider account. aiosmtpd is imported only here, when the server starts.
This server must never listen on anything but the loopback interface, nor relay a message.
"""

import itertools
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from ledger.types import utcnow
from serving.senders.outbox_files import LOCAL_TZ, create_once


class _Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = itertools.count(1)
        self.lock = threading.Lock()
        self.paths: list[Path] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        day = utcnow().astimezone(LOCAL_TZ).date().isoformat()
        rcpt = re.sub(r"[^A-Za-z0-9@._-]+", "_", ",".join(envelope.rcpt_tos))[:80]
        with self.lock:
            path = self.folder / day / f"{next(self.count):05d}-{rcpt}.eml"
            while not create_once(path, bytes(envelope.original_content or b"")):
                path = self.folder / day / f"{next(self.count):05d}-{rcpt}.eml"
            self.paths.append(path)
        return "250 Message accepted for delivery"


class LocalMailServer:
    """aiosmtpd on 127.0.0.1:``port`` keeping mail under ``<outbox>/mail``."""

    def __init__(self, outbox_dir: Path, port: int = 8025) -> None:
        self.keeper = _Keeper(outbox_dir / "mail")
        self.port = port
        self._controller: Any = None

    @property
    def received(self) -> list[Path]:
        return list(self.keeper.paths)

    def start(self) -> "LocalMailServer":
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "LocalMailServer":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
