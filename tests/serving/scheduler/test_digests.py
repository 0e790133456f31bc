"""The weekly digest goes out weekly at the creditor's day and time, to its recipients, over real
SMTP (aiosmtpd), once per week; a complaint's notification is e-mailed once."""

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Creditor, Debtor
from serving.operate.outcome_effects import notify
from serving.reports.settings import ReportsSettings
from serving.scheduler.digests import digest_due, send_due_digests, send_notifications
from tests import mail
from tests.serving.reports import sample_ledger

AMS = ZoneInfo("Europe/Amsterdam")


@dataclass
class Smtp:
    smtp_port: int
    smtp_host: str = "127.0.0.1"
    smtp_from: str = "digest@dunflow.test"


@pytest.fixture
def inbox() -> Iterator[tuple[Smtp, list[Message]]]:
    with mail.inbox() as (port, got):
        yield Smtp(port), got


def test_the_digest_goes_out_at_the_configured_day_and_time_once_a_week(
    engine: Engine, inbox: tuple[Smtp, list[Message]]
) -> None:
    smtp, got = inbox
    with Session(engine, expire_on_commit=False) as session:
        sample = sample_ledger.build(session)
        creditor = session.get(Creditor, sample.creditor.id)
        assert creditor is not None
        creditor.digest_recipients = ["ar@bakkerij.nl", "cfo@bakkerij.nl"]
        creditor.digest_weekday, creditor.digest_minute = 1, 9 * 60 + 15  # Tuesday 09:15
        session.add(creditor)
        session.commit()
    reports = ReportsSettings()
    before = datetime(2026, 11, 24, 9, 10, tzinfo=AMS)  # Tuesday, five minutes early
    assert digest_due(creditor, before) is None
    assert send_due_digests(engine, before, smtp, reports) == 0
    assert got == []
    at = datetime(2026, 11, 24, 9, 15, tzinfo=AMS)
    assert send_due_digests(engine, at, smtp, reports) == 1
    assert len(got) == 2
    parsed = [email.message_from_bytes(m.as_bytes()) for m in got]
    assert sorted(p["To"] for p in parsed) == ["ar@bakkerij.nl", "cfo@bakkerij.nl"]
    assert "weekly digest 2026-11-24" in parsed[0]["Subject"]
    assert "application/pdf" in [part.get_content_type() for part in parsed[0].walk()]
    # the rest of the week: already sent; the next week from its Tuesday 09:15 on
    assert send_due_digests(engine, datetime(2026, 11, 28, 12, tzinfo=AMS), smtp, reports) == 0
    assert send_due_digests(engine, datetime(2026, 12, 1, 9, 14, tzinfo=AMS), smtp, reports) == 0
    assert send_due_digests(engine, datetime(2026, 12, 1, 9, 20, tzinfo=AMS), smtp, reports) == 1
    assert len(got) == 4


def test_a_notification_is_mailed_once_to_the_digest_recipients(
    engine: Engine, inbox: tuple[Smtp, list[Message]]
) -> None:
    smtp, got = inbox
    with Session(engine, expire_on_commit=False) as session:
        sample = sample_ledger.build(session)
        creditor = session.get(Creditor, sample.creditor.id)
        debtor = session.get(Debtor, sample.debtors["D3"].id)
        assert creditor is not None
        assert debtor is not None
        creditor.digest_recipients = ["ar@bakkerij.nl"]
        notify(
            session,
            creditor,
            debtor,
            at=datetime(2026, 11, 24, 10, tzinfo=AMS),
            subject="Complaint from Café Het Hoekje",
            text="te vaak gebeld",
        )
        session.commit()
    assert send_notifications(engine, smtp) == 1
    assert send_notifications(engine, smtp) == 0
    (msg,) = got
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ar@bakkerij.nl"
    assert "Café Het Hoekje" in str(parsed["Subject"])
