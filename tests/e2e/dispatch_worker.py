"""A dispatcher in its own process, for the crash tests: sends due e-mail through the real SMTP
sender until the outbox is drained, then exits 0. Prints ``ready`` once imported, so the test can
kill it while it sends rather than while Python starts.

``python -m tests.e2e.dispatch_worker DB_URL SMTP_PORT BASE_ISO T0 LEASE_S [WORKER]``: the
dispatcher's clock is BASE + (wall time - T0), so leases of killed workers expire for the next.
"""

import sys
import time
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ledger.db import make_engine
from ledger.tables import Contact
from serving.scheduler.sending import make_dispatcher
from serving.senders.settings import SenderSettings


def main(argv: list[str]) -> int:
    url, port, base_iso, t0, lease_s = argv[:5]
    worker = argv[5] if len(argv) > 5 else None
    base, start = datetime.fromisoformat(base_iso), float(t0)
    engine = make_engine(url)
    settings = SenderSettings(smtp_host="127.0.0.1", smtp_port=int(port), smtp_timeout_s=5)
    dispatcher = make_dispatcher(engine, settings=settings, worker=worker, lease_s=float(lease_s))
    print("ready", flush=True)
    while True:
        now = base + timedelta(seconds=time.time() - start)
        dispatcher.run_once(now)
        with Session(engine) as session:
            left = session.exec(
                select(Contact.id).where(col(Contact.status).in_(["planned", "sending"]))
            ).first()
        if left is None:
            return 0
        time.sleep(0.05)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
