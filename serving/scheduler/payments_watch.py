"""Payments as they arrive: CAMT.053 files from a watched folder, and what follows any payment.

:func:`process_inbox` imports each new ``*.xml`` in the watch folder through the ledger's own
importer (all or nothing; matched by payment reference, else an invoice number in the remittance
text; partial payments lower the open amount), then moves the file to ``done/`` — or to
``failed/`` with a ``.error.txt`` beside it. Which creditor a file belongs to: a sub-folder named
after the creditor, else the statement's account IBAN (``Stmt/Acct/Id/IBAN``) matched to
``Creditor.iban``.

:func:`after_payment` is what any payment (file, API, bank feed) sets off: the debtor's pending
contacts that are no longer wanted are cancelled, and a thank-you is planned when the creditor
wants one (``Creditor.thank_you_mail``) and the payment cleared at least one invoice.
This module must never allocate money itself; the ledger does.
"""

import logging
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.importers import ImportValidationError, import_file, parse
from ledger.tables import Creditor, Debtor, Invoice, Payment, PaymentAllocation
from policy import state_from_ledger
from serving.scheduler import outbox
from serving.scheduler.transactional import plan_message

log = logging.getLogger(__name__)
_IBAN = re.compile(rb"<(?:\w+:)?Acct>.*?<(?:\w+:)?IBAN>\s*([A-Z0-9]+)\s*<", re.S)


@dataclass
class WatchStats:
    files: int = 0
    failed: int = 0
    payments: int = 0
    cancelled: int = 0
    thanks: int = 0
    errors: list[str] = field(default_factory=list)


def after_payment(
    session: Session, creditor: Creditor, debtor_id: int, payment_id: int | None, now: datetime
) -> tuple[int, int]:
    """Cancel what is no longer wanted and plan a thank-you; returns (cancelled, thanks)."""
    cancelled = outbox.cancel_pending_for_debtor(
        session, creditor_id=creditor.id or 0, debtor_id=debtor_id, now=now, reason="payment"
    )
    if not creditor.thank_you_mail or payment_id is None:
        return cancelled, 0
    cleared = session.exec(
        select(Invoice.id)
        .join(PaymentAllocation, col(PaymentAllocation.invoice_id) == col(Invoice.id))
        .where(PaymentAllocation.payment_id == payment_id, Invoice.status == "paid")
    ).all()
    debtor = session.get(Debtor, debtor_id)
    if not cleared or debtor is None:
        return cancelled, 0
    state = state_from_ledger(session, debtor_id, now)
    p = plan_message(
        session,
        creditor,
        debtor,
        kind="payment_thanks",
        stage=str(state.stage),
        tone="friendly",
        invoice_ids=[int(i or 0) for i in cleared],
        now=now,
    )
    return cancelled, outbox.enqueue(session, [p] if p else [], now=now)


def creditor_for(session: Session, path: Path, root: Path) -> Creditor:
    if path.parent != root:
        row = session.exec(select(Creditor).where(Creditor.name == path.parent.name)).first()
        if row is None:
            raise LookupError(f"no creditor named {path.parent.name!r} (the sub-folder's name)")
        return row
    found = _IBAN.search(path.read_bytes())
    iban = found.group(1).decode() if found else ""
    row = session.exec(select(Creditor).where(Creditor.iban == iban)).first() if iban else None
    if row is None:
        raise LookupError(
            f"cannot tell whose statement this is: account IBAN {iban or '(none)'} belongs to no "
            "creditor; put the file in a sub-folder named after the creditor"
        )
    return row


def process_file(engine: Engine, path: Path, root: Path, now: datetime, stats: WatchStats) -> None:
    with Session(engine) as session:
        creditor = creditor_for(session, path, root)
    frame = parse(path, "payments", "camt053").payments
    refs = [] if frame is None else frame["external_ref"].tolist()
    import_file(engine, path, entity="payments", fmt="camt053", creditor=creditor.name)
    with Session(engine, expire_on_commit=False) as session:
        pays = session.exec(
            select(Payment).where(
                Payment.creditor_id == creditor.id, col(Payment.external_ref).in_(refs)
            )
        ).all()
        stats.payments += len(pays)
        for pay in pays:
            if pay.debtor_id is None:
                continue
            cancelled, thanks = after_payment(session, creditor, pay.debtor_id, pay.id, now)
            stats.cancelled += cancelled
            stats.thanks += thanks
        session.commit()


def process_inbox(engine: Engine, watch_dir: Path, now: datetime) -> WatchStats:
    """Import every waiting file once; move it to done/ or failed/."""
    stats = WatchStats()
    if not watch_dir.is_dir():
        return stats
    files = sorted(
        p
        for p in watch_dir.rglob("*.xml")
        if p.is_file() and not {"done", "failed"} & set(p.relative_to(watch_dir).parts)
    )
    for path in files:
        stats.files += 1
        rel = path.relative_to(watch_dir)
        try:
            process_file(engine, path, watch_dir, now, stats)
        except (ImportValidationError, LookupError, OSError) as err:
            stats.failed += 1
            stats.errors.append(f"{rel}: {err}")
            target = watch_dir / "failed" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            target.with_suffix(".error.txt").write_text(f"{err}\n", encoding="utf-8")
            log.warning("CAMT file %s failed: %s", rel, err)
            continue
        target = watch_dir / "done" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    return stats
