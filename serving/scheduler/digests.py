"""The weekly digest goes out weekly, and the creditor hears of complaints, by e-mail.

* :func:`send_due_digests` — for every creditor with ``digest_recipients``: once its configured
  ``digest_weekday`` and ``digest_minute`` (in its own time zone) have come this ISO week and no
  digest went out for the week yet, the digest as of that day is rendered (HTML, PDF attached)
  and sent to each recipient, then a ``digest_sent`` event (week, recipients, Message-IDs) is
  recorded. Next week's reminders are forecast as on the web app's Overview, by the policy
  ``policy_for`` gives (the scheduler's job: the champion the API serves,
  :func:`serving.reports.served_policy.champion_policy`; none: the ladder). The scheduler
  runs it every few minutes (:mod:`serving.scheduler.jobs`), so a changed day or time, or a new
  creditor, counts without a restart.
* :func:`send_notifications` — each ``creditor_notification`` event (a complaint,
  :mod:`serving.operate.outcome_effects`) without a ``creditor_notification_sent`` event yet is
  e-mailed to the digest recipients, then marked sent.

A failed send leaves nothing marked, so the next run tries again. This module must never write
to a debtor; the digest is for the creditor.
"""

import logging
from datetime import datetime, timedelta
from email.utils import formataddr
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import Creditor, DossierEvent
from serving.reports.mail import SmtpSettings, deliver, send_digest_email, text_message
from serving.reports.served_policy import PolicyFor
from serving.reports.service import render_weekly_page, weekly_digest
from serving.reports.settings import ReportsSettings

log = logging.getLogger(__name__)
DIGEST_SENT = "digest_sent"
NOTIFICATION_SENT = "creditor_notification_sent"


def _week(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(creditor: Creditor, now: datetime) -> datetime | None:
    """This week's moment for the creditor's digest when it has come by ``now``, else None."""
    local = now.astimezone(ZoneInfo(creditor.timezone))
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=creditor.digest_weekday)
    minute = creditor.digest_minute
    moment = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=local.tzinfo)
    return moment if moment <= local else None


def _sent_weeks(session: Session, creditor_id: int) -> set[str]:
    rows = session.exec(
        select(DossierEvent.payload).where(
            DossierEvent.creditor_id == creditor_id, DossierEvent.kind == DIGEST_SENT
        )
    )
    return {str(p.get("week")) for p in rows}


def send_due_digests(
    engine: Engine,
    now: datetime,
    smtp: SmtpSettings,
    reports: ReportsSettings,
    policy_for: PolicyFor | None = None,
) -> int:
    """Send every digest that is due and not yet sent this week; returns how many creditors'."""
    sent = 0
    with Session(engine, expire_on_commit=False) as session:
        creditors = session.exec(select(Creditor).order_by(col(Creditor.id))).all()
    for creditor in creditors:
        moment = digest_due(creditor, now) if creditor.digest_recipients else None
        if moment is None:
            continue
        week = _week(moment)
        with Session(engine, expire_on_commit=False) as session:
            if week in _sent_weeks(session, creditor.id or 0):
                continue
            data = weekly_digest(
                session,
                creditor_name=creditor.name,
                as_of=moment.date(),
                settings=reports,
                engine=engine,
                policy=policy_for(engine, creditor.id or 0, creditor.name) if policy_for else None,
            )
            page = render_weekly_page(data, None, creditor)
            pdf = page.pdf()
            subject = f"{creditor.name}: weekly digest {moment.date().isoformat()}"
            filename = f"weekly-{moment.date().isoformat()}.pdf"
            ids = [
                send_digest_email(
                    page.html,
                    pdf,
                    to,
                    smtp,
                    creditor_name=creditor.name,
                    subject=subject,
                    filename=filename,
                )
                for to in creditor.digest_recipients
            ]
            dossier.record(
                session,
                creditor_id=creditor.id or 0,
                kind=DIGEST_SENT,
                payload={"week": week, "recipients": creditor.digest_recipients, "ids": ids},
            )
            session.commit()
            sent += 1
    return sent


def send_notifications(engine: Engine, smtp: SmtpSettings) -> int:
    """E-mail each notification not yet sent to its creditor's digest recipients."""
    sent = 0
    with Session(engine, expire_on_commit=False) as session:
        done = {
            int(p.get("notification_id", 0))
            for p in session.exec(
                select(DossierEvent.payload).where(DossierEvent.kind == NOTIFICATION_SENT)
            )
        }
        pending = [
            e
            for e in session.exec(
                select(DossierEvent)
                .where(DossierEvent.kind == "creditor_notification")
                .order_by(col(DossierEvent.id))
            )
            if e.id not in done
        ]
        for event in pending:
            creditor = session.get(Creditor, event.creditor_id)
            if creditor is None or not creditor.digest_recipients:
                continue
            deliver(
                text_message(
                    str(event.payload.get("text", "")),
                    to=creditor.digest_recipients,
                    subject=str(event.payload.get("subject", "dunflow notification")),
                    sender=formataddr(("dunflow", smtp.smtp_from)),
                ),
                smtp,
            )
            dossier.record(
                session,
                creditor_id=event.creditor_id,
                debtor_id=event.debtor_id,
                kind=NOTIFICATION_SENT,
                payload={"notification_id": event.id, "to": creditor.digest_recipients},
            )
            session.commit()
            sent += 1
    return sent
