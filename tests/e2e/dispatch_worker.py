"""A dispatcher in its own process, for the crash and fault tests: sends due e-mail through the real
SMTP sender until the outbox is drained, then prints its summed stats as JSON and exits 0. Prints
``ready`` once imported (so the test can kill it while it sends rather than while Python starts)
and ``db-error`` each time a pass ended on a database error (so a test knows its fault landed).

``python -m tests.e2e.dispatch_worker DB_URL SMTP_PORT BASE_ISO T0 --timeout-s T [--name W]
[--backoff-s B] [--sqlite-busy-s S] [--lease-s L]``: the lease is L, by default the budget's
minimum for the SMTP timeout (:func:`serving.scheduler.lease_budget.min_lease_s`); the
dispatcher's clock is BASE + (wall time - T0), so the leases of killed or frozen workers expire
for the next.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ledger.db import make_engine
from ledger.tables import Contact
from serving.scheduler.dispatcher import DispatchStats
from serving.scheduler.lease_budget import heartbeat_s, min_lease_s
from serving.scheduler.sending import make_dispatcher
from serving.senders.settings import SenderSettings


def drained(engine: Any) -> bool:
    with Session(engine) as session:
        left = session.exec(
            select(Contact.id).where(col(Contact.status).in_(["planned", "sending"]))
        ).first()
    return left is None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    for name in ("url", "port", "base", "t0"):
        parser.add_argument(name)
    parser.add_argument("--timeout-s", type=float, required=True)
    parser.add_argument("--name", default=None)
    parser.add_argument("--backoff-s", type=float, default=300.0)
    parser.add_argument("--sqlite-busy-s", type=float, default=None)
    parser.add_argument("--lease-s", type=float, default=None)
    args = parser.parse_args(argv)
    base, start = datetime.fromisoformat(args.base), float(args.t0)
    extra = {} if args.sqlite_busy_s is None else {"connect_args": {"timeout": args.sqlite_busy_s}}
    engine = make_engine(args.url, **extra)
    settings = SenderSettings(
        smtp_host="127.0.0.1",
        smtp_port=int(args.port),
        smtp_timeout_s=args.timeout_s,
        sms_webhook_timeout_s=args.timeout_s,
    )
    lease_s = args.lease_s or min_lease_s(args.timeout_s)
    dispatcher = make_dispatcher(
        engine,
        settings=settings,
        worker=args.name,
        lease_s=lease_s,
        backoff=timedelta(seconds=args.backoff_s),
    )
    print("ready", flush=True)
    total = DispatchStats()
    while True:
        stats = dispatcher.run_once(base + timedelta(seconds=time.time() - start))
        total.add(stats)
        if stats.db_errors:
            print("db-error", flush=True)
        try:
            if drained(engine):
                break
        except DBAPIError:
            print("db-error", flush=True)
        # the scheduler's period, scaled like the lease: a tenth of a heartbeat
        time.sleep(heartbeat_s(lease_s) / 10)
    print(json.dumps(asdict(total)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
