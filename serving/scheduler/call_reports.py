"""Each closed call case is reported to its creditor by e-mail, once, within four working days.

:func:`send_call_reports` e-mails every closed, unreported case to the creditor's
``digest_recipients`` (its addresses for what dunflow tells it): the debtor, the invoices, each
attempt with its planned moment and outcome, and the result (will pay on date X, wants a copy,
complaint, dispute, paid, unreachable after five tries). The Message-ID is the case's own, so a
report re-sent after a crash between sending and marking is recognisable as the same mail; the
case's ``reported_at`` and a ``call_report_sent`` event mark it. The scheduler runs it every few
minutes (:mod:`serving.scheduler.jobs`), far inside the four working days (``report_due_on``).
A creditor without recipients keeps its reports pending. This module must never write to a debtor.
"""

from datetime import datetime
from email.utils import formataddr
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import CallAttempt, CallCase, Creditor, Debtor
from serving.reports.mail import SmtpSettings, deliver, text_message

RESULTS = {
    "promise": "will pay on {promised}",
    "paid": "says it has paid",
    "wants_copy": "wants a copy of the invoice (sent at the next allowed moment)",
    "complaint": "has a complaint (the dossier is paused)",
    "dispute": "disputes the claim (the dossier stops until the dispute is resolved)",
    "unreachable": "unreachable after the attempts below",
    "not_called": "not called: the attempts passed without a reported outcome",
}


def report_text(session: Session, creditor: Creditor, case: CallCase) -> tuple[str, str]:
    """The report's subject and text."""
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None  # a foreign key
    attempts = session.exec(
        select(CallAttempt).where(CallAttempt.case_id == case.id).order_by(col(CallAttempt.number))
    ).all()
    promised = next((a.promised_date for a in attempts if a.promised_date), None)
    result = RESULTS.get(case.result or "", case.result or "").format(promised=promised)
    zone = ZoneInfo(creditor.timezone)
    lines = [
        f"Call case {case.key} ({case.reason.replace('_', ' ')})",
        f"Debtor: {debtor.name} ({debtor.external_id})",
        f"Invoices: {', '.join(case.invoice_numbers) or '-'}",
        f"Result: {result}",
        "",
        "Attempts:",
    ]
    for a in attempts:
        moment = a.planned_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")
        said = a.outcome or "not called"
        note = f" - {a.note}" if a.note else ""
        lines.append(f"  {a.number}. {moment}: {said}{note}")
    subject = f"{creditor.name}: call report {case.key} - {debtor.name}: {case.result}"
    return subject, "\n".join(lines) + "\n"


def send_call_reports(engine: Engine, smtp: SmtpSettings, now: datetime) -> int:
    """Send every pending report; returns how many were sent."""
    sent = 0
    with Session(engine, expire_on_commit=False) as session:
        pending = session.exec(
            select(CallCase)
            .where(CallCase.status == "closed", col(CallCase.reported_at).is_(None))
            .order_by(col(CallCase.id))
        ).all()
        for case in pending:
            creditor = session.get(Creditor, case.creditor_id)
            if creditor is None or not creditor.digest_recipients:
                continue
            subject, text = report_text(session, creditor, case)
            message_id = deliver(
                text_message(
                    text,
                    to=creditor.digest_recipients,
                    subject=subject,
                    sender=formataddr((creditor.name, smtp.smtp_from)),
                    message_id=f"<callcase-{case.key}@dunflow.local>",
                ),
                smtp,
            )
            case.reported_at = now
            session.add(case)
            dossier.record(
                session,
                creditor_id=case.creditor_id,
                debtor_id=case.debtor_id,
                kind="call_report_sent",
                occurred_at=now,
                payload={"key": case.key, "to": creditor.digest_recipients, "id": message_id},
            )
            session.commit()
            sent += 1
    return sent
