"""A dead address changes the channel, not the flow: an e-mail refused for good (550 5.1.1 from a
real SMTP server) is recorded as ``channel_unusable``, the failed contact does not count, and the
next daily cycle plans the same stage on the next channel; e-mail comes back only when an import
changes the address."""

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import Channel, ContactStatus, Stage
from ledger.importers.runner import import_file
from ledger.tables import Contact, Creditor, Debtor, DossierEvent
from policy import allowed_actions, state_from_ledger
from serving.scheduler.cycle import run_cycle
from serving.scheduler.daily import dispatch_through
from serving.scheduler.scoring_client import ScoringClient
from serving.scheduler.sending import make_dispatcher
from serving.senders.settings import SenderSettings
from tests.mail import Collector, free_port, serving
from tests.serving.scheduler.conftest import CYCLE, Book

COLUMNS = ["external_id", "kind", "name", "email", "phone", "address_line", "postal_code"]
DEAD = "unknown@example.org"  # the Collector answers 550 5.1.1 for unknown@…


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[tuple[SenderSettings, Collector]]:
    settings = SenderSettings(
        outbox_dir=tmp_path / "outbox",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_from="herinneringen@acme.example",
        sms_webhook_url="",
        sms_webhook_secret="",
        delivery_callback_url="",
        template_dir=None,
    )
    handler = Collector()
    with serving(handler, settings.smtp_port):
        yield settings, handler


def _contacts(engine: Engine, debtor_id: int) -> list[Contact]:
    with Session(engine) as session:
        stmt = select(Contact).where(Contact.debtor_id == debtor_id).order_by(col(Contact.id))
        return list(session.exec(stmt))


def _reimport_email(engine: Engine, book: Book, debtor_id: int, email: str, path: Path) -> None:
    """The creditor's own debtors file with one e-mail address changed, through the importer."""
    with Session(engine) as session:
        rows = session.exec(select(Debtor).where(Debtor.creditor_id == book.creditor_id)).all()
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(COLUMNS)
            for d in rows:
                row = [getattr(d, c) for c in COLUMNS]
                row[COLUMNS.index("email")] = email if d.id == debtor_id else d.email
                out.writerow(row)
    import_file(engine, path, entity="debtors", fmt="csv", creditor=book.name)


def test_a_refused_email_moves_the_same_stage_to_the_next_channel_until_the_address_changes(
    engine: Engine,
    book: Book,
    client: ScoringClient,
    mail: tuple[SenderSettings, Collector],
    tmp_path: Path,
) -> None:
    settings, server = mail
    dead = book.debtor_ids[0]
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Debtor, dead)
        assert row is not None
        row.email = DEAD
        session.add(row)
        session.commit()
        creditor = session.get(Creditor, book.creditor_id)
        assert creditor is not None
    dispatcher = make_dispatcher(engine, settings=settings, worker="t")

    # day 1: the ladder's first reminder by e-mail for everyone; the dead address is refused once
    first = run_cycle(engine, creditor, CYCLE, client)
    assert dict(first.planned_by_channel) == {"email": 5}
    stats = dispatch_through(engine, dispatcher, CYCLE + timedelta(hours=11))
    assert (stats.sent, stats.failed, stats.retried) == (4, 1, 0)
    assert len(server.envelopes) == 4
    (failed,) = _contacts(engine, dead)
    assert failed.status == ContactStatus.FAILED
    assert "550" in (failed.last_error or "")
    with Session(engine) as session:
        events = session.exec(
            select(DossierEvent).where(
                DossierEvent.debtor_id == dead, DossierEvent.kind == "channel_unusable"
            )
        ).all()
    assert [e.payload["channel"] for e in events] == ["email"]
    assert events[0].payload["address"] == DEAD
    assert events[0].payload["contact_id"] == failed.id
    assert "5.1.1" in events[0].payload["reason"]

    # the same day's re-run plans nothing: the outbox key (debtor, day, stage) is taken
    assert run_cycle(engine, creditor, CYCLE + timedelta(hours=2), client).planned == 0

    # day 2: the failed contact took no day, no gap and no ladder step: the same stage (the first
    # reminder) goes out on the next channel, an SMS; the others wait for their next level
    day2 = CYCLE + timedelta(days=1)
    second = run_cycle(engine, creditor, day2, client)
    assert dict(second.planned_by_channel) == {"sms": 1}
    assert second.refused == 0
    stats = dispatch_through(engine, dispatcher, day2 + timedelta(hours=11))
    assert (stats.sent, stats.failed) == (1, 0)
    contacts = _contacts(engine, dead)
    assert [(c.channel, c.stage, c.status) for c in contacts] == [
        ("email", Stage.REMINDER, ContactStatus.FAILED),
        ("sms", Stage.REMINDER, ContactStatus.SENT),
    ]
    assert len(server.envelopes) == 4  # no second attempt at the dead address

    # e-mail stays out of everything the rules offer, whatever the day
    later = CYCLE + timedelta(days=20)
    with Session(engine) as session:
        state = state_from_ledger(session, dead, later)
    assert Channel.EMAIL in state.reachable
    assert Channel.EMAIL not in state.usable_channels()
    offered = {a.channel for a in allowed_actions(state, later)}
    assert Channel.EMAIL not in offered
    assert Channel.SMS in offered

    # an import that changes the address clears it; changing it back brings the failure back
    _reimport_email(engine, book, dead, "jan@example.org", tmp_path / "debtors.csv")
    with Session(engine) as session:
        assert Channel.EMAIL in state_from_ledger(session, dead, later).usable_channels()
    _reimport_email(engine, book, dead, DEAD, tmp_path / "debtors-back.csv")
    with Session(engine) as session:
        assert Channel.EMAIL not in state_from_ledger(session, dead, later).usable_channels()
