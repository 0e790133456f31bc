"""The dispatcher's heartbeat: a thread that renews every lease held under one claim token, once
per heartbeat period, for as long as the dispatcher works on that claim (a send in flight
included), so a live dispatcher never loses an item to another however long a send takes.

Renewals are fenced by the claim token (:func:`serving.scheduler.leases.renew_claim`): once
another dispatcher has claimed an item, this heartbeat can no longer extend it. A database error
is logged and the next beat tries again; the lease then simply runs out if the database stays
away. This module must never send, finish or decide anything; it only extends leases.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from serving.scheduler import leases
from serving.scheduler.lease_budget import heartbeat_s

log = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(engine, token, lease, clock):`` renews the claim while the block runs."""

    def __init__(
        self, engine: Engine, token: str, lease: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.engine, self.token, self.lease, self.clock = engine, token, lease, clock
        self.period_s = heartbeat_s(lease.total_seconds())
        self.beats = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{token[:8]}")
        self._thread.daemon = True

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                with Session(self.engine) as session:
                    held = leases.renew_claim(
                        session, self.token, now=self.clock(), lease=self.lease
                    )
            except DBAPIError as err:
                self.failures += 1
                log.warning("heartbeat %s: renewal failed: %s", self.token[:8], err)
                continue
            self.beats += 1
            if held == 0:
                return  # everything finished or taken over: nothing left to keep
