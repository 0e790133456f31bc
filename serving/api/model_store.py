"""Keeps the champion policy model in memory and follows the registry alias.

At start the API loads ``models:/<name>@<alias>`` from MLflow; a background thread polls the alias
and swaps the model in when it moves (``POST /v1/admin/reload`` does the same at once). Polling
asks the cheap ``probe`` first (which version does the alias name?) and loads only when that
differs from the version served. When nothing loadable is there the store is *degraded*: the API
still answers, with the fixed ladder, and ``/readyz`` says why. A failed reload after a good load
keeps the good model (and ``/readyz`` shows the error). Loading never raises into a request.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    version: str
    model: Any  # the policy (policy.pyfunc.DunningPolicy); duck-typed to keep the store light


Loader = Callable[[], LoadedModel]
Probe = Callable[[], str]


class ModelStore:
    def __init__(
        self, loader: Loader | None, poll_seconds: float = 0.0, probe: Probe | None = None
    ) -> None:
        self._loader = loader
        self._probe = probe
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._current: LoadedModel | None = None
        self._reason = "no model loaded yet"
        self._last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_change: Callable[[LoadedModel | None, str], None] | None = None

    @property
    def current(self) -> LoadedModel | None:
        return self._current

    @property
    def degraded_reason(self) -> str | None:
        return None if self._current is not None else self._reason

    @property
    def last_error(self) -> str | None:
        """Why the latest reload failed (None when it worked or nothing was tried)."""
        return self._last_error

    def reload(self) -> bool:
        """Load the alias now; True when the served model changed."""
        if self._loader is None:
            self._reason = "no model registry configured"
            return False
        with self._lock:  # one reload at a time (poller and admin route)
            try:
                current = self._current
                probe = self._probe
                if current is not None and probe is not None and probe() == current.version:
                    self._last_error = None
                    return False
                loaded = self._loader()
            except Exception as err:  # any loading failure degrades, never crashes the API
                log.warning("policy model not loadable: %s", err)
                self._last_error = f"champion model not loadable: {err}"
                if self._current is None:
                    self._reason = self._last_error
                return False
            self._last_error = None
            changed = current is None or current.version != loaded.version
            if changed:
                self._current = loaded
        if changed and self.on_change is not None:
            self.on_change(loaded, "model")
        return changed

    def start(self) -> None:
        self.reload()
        if self._current is None and self.on_change is not None:
            self.on_change(None, "ladder")
        if self._poll_seconds > 0 and self._loader is not None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._poll, name="model-poll", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self.reload()
