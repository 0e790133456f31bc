"""The daily cycle honours dossier actions: a paused, disputed or promised dossier gets nothing;
resumed, resolved or past its pause date it is planned again; an unreachable channel gives way to
the next one."""

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.enums import Channel
from ledger.tables import Contact, Creditor, Debtor
from serving.operate.dossier_actions import Dispute, Pause, Resolve, Resume, act
from serving.operate.outcome_effects import after_outcome
from serving.scheduler.cycle import run_cycle
from serving.scheduler.scoring_client import ScoringClient
from tests.serving.scheduler.conftest import CYCLE, Book, utc


def _do(engine: Engine, debtor_id: int, action: object) -> None:
    with Session(engine) as session:
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None
        act(session, debtor, action, actor="test", now=utc(CYCLE) - timedelta(hours=12))
        session.commit()


def _planned(engine: Engine) -> dict[int, list[str]]:
    with Session(engine) as session:
        rows = session.exec(select(Contact).where(Contact.status == "planned")).all()
    out: dict[int, list[str]] = {}
    for c in rows:
        out.setdefault(c.debtor_id, []).append(c.channel)
    return out


def test_the_cycle_follows_pause_dispute_and_unreachable(
    engine: Engine, book: Book, client: ScoringClient
) -> None:
    paused, until, disputed, gone = book.debtor_ids[:4]
    _do(engine, paused, Pause(action="pause", reason="overleg"))
    _do(engine, until, Pause(action="pause", reason="vakantie", until=date(2026, 11, 20)))
    _do(engine, disputed, Dispute(action="dispute", reason="levering"))
    with Session(engine, expire_on_commit=False) as session:
        creditor = session.get(Creditor, book.creditor_id)
        debtor = session.get(Debtor, gone)
        assert creditor is not None
        assert debtor is not None
        after_outcome(
            session, creditor, debtor, kind="unreachable", at=utc(CYCLE), channel=Channel.EMAIL
        )
        session.commit()
    run_cycle(engine, creditor, utc(CYCLE), client)
    first = _planned(engine)
    assert set(first) == {gone, book.debtor_ids[4]}
    assert first[gone] != ["email"]  # the next allowed channel
    assert first[book.debtor_ids[4]] == ["email"]

    _do(engine, paused, Resume(action="resume"))
    _do(engine, disputed, Resolve(action="resolve_dispute", resolution="reopen"))
    run_cycle(engine, creditor, utc(CYCLE + timedelta(days=3)), client)  # Friday 11-20
    second = _planned(engine)
    assert {paused, disputed, until} <= set(second)  # the pause ended on 11-20 by itself
