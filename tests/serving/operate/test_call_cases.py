"""Call cases: opened "call after N days past due" (the invoice's value over the segment's), five
attempts at five moments inside both windows, outcomes by the row key (one by one or a CSV, all
or nothing), the per-case report mailed once, and a broken promise taken on a call calls again."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import Channel, Country
from ledger.importers.errors import ImportValidationError
from ledger.tables import CallAttempt, CallCase, Creditor, Debtor, DossierEvent, Outcome, Segment
from policy.contact_window import CreditorWindow, refusals, windows_for
from serving.operate.call_cases import open_due_cases, set_call_after, worklist, write_call_list
from serving.operate.call_outcomes import (
    CallOutcome,
    UnknownRowKeyError,
    import_outcomes,
    record_call_outcome,
)
from serving.operate.dossier_actions import ActionRefusedError
from serving.scheduler.call_reports import send_call_reports
from tests import factories, mail

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=AMS)  # a Monday morning


@dataclass
class Smtp:
    smtp_port: int
    smtp_host: str = "127.0.0.1"
    smtp_from: str = "calls@dunflow.test"


@dataclass
class Ledger:
    creditor: Creditor
    called: Debtor  # invoice 10 days past due, segment calls after 7
    own: Debtor  # invoice 3 days past due, its own call-after is 2
    early: Debtor  # 3 days past due, segment's 7 not yet reached


def _ledger(session: Session, **creditor: object) -> Ledger:
    c = factories.creditor(
        session, digest_recipients=["finance@acme.test"], contact_end_minute=17 * 60, **creditor
    )
    seg = Segment(creditor_id=c.id or 0, name="bellen", call_after_days=7)
    session.add(seg)
    session.flush()
    called, own, early = (
        factories.debtor(session, c, phone="0612345678", segment_id=seg.id) for _ in range(3)
    )
    factories.invoice(session, called, number="F-1", due_date=NOW.date() - timedelta(days=10))
    factories.invoice(session, own, number="F-2", due_date=NOW.date() - timedelta(days=3))
    factories.invoice(session, early, number="F-3", due_date=NOW.date() - timedelta(days=3))
    session.flush()
    set_call_after(session, c.id or 0, "F-2", 2, actor="test")
    session.commit()
    return Ledger(c, called, own, early)


@pytest.fixture
def inbox() -> Iterator[tuple[Smtp, list[Message]]]:
    with mail.inbox() as (port, got):
        yield Smtp(port), got


def _say(session: Session, ledger: Ledger, key: str, outcome: str, at: datetime, **kw: object):  # type: ignore[no-untyped-def]
    body = CallOutcome.model_validate({"row_key": key, "outcome": outcome, **kw})
    return record_call_outcome(session, ledger.creditor, body, actor="test", now=at)


def test_cases_open_by_the_invoice_or_segment_days_with_five_moments_inside_the_windows(
    session: Session, tmp_path: Path
) -> None:
    ledger = _ledger(session)
    opened = open_due_cases(session, ledger.creditor, NOW)
    session.commit()
    assert sorted(c.debtor_id for c in opened) == sorted([ledger.called.id, ledger.own.id])
    assert open_due_cases(session, ledger.creditor, NOW + timedelta(days=1)) == []  # once
    windows = windows_for(
        Country.NL, Channel.PHONE, CreditorWindow(start_minute=7 * 60, end_minute=17 * 60)
    )
    for case in opened:
        moments = [
            a.planned_at
            for a in session.exec(select(CallAttempt).where(CallAttempt.case_id == case.id))
        ]
        assert len(set(moments)) == 5
        assert all(not refusals(windows, m) for m in moments)
        local = [m.astimezone(AMS) for m in moments]
        assert len({m.date() for m in local}) >= 3  # different days
        assert len({m.hour < 12 for m in local}) == 2  # mornings and afternoons
        assert min(moments) >= NOW
    items = worklist(session, ledger.creditor.id or 0, NOW.date())
    assert [i.planned_at for i in items] == sorted(i.planned_at for i in items)
    assert {i.invoices[0].number for i in items} == {"F-1", "F-2"}
    assert all(i.phone_numbers == ("+31612345678",) and i.script for i in items)
    other = factories.creditor(session)
    path = write_call_list(session, ledger.creditor, NOW.date(), tmp_path)
    assert path.parent.name.startswith(ledger.creditor.name.replace(" ", "_"))
    assert path.read_text().count("\n") == 1 + len(items)
    assert write_call_list(session, other, NOW.date(), tmp_path).parent != path.parent


def test_no_case_for_a_paused_debtor_or_one_without_a_phone(session: Session) -> None:
    ledger = _ledger(session)
    ledger.own.phone = None
    session.add(ledger.own)
    factories_event = DossierEvent(
        creditor_id=ledger.creditor.id or 0,
        debtor_id=ledger.called.id,
        occurred_at=NOW - timedelta(days=1),
        kind="paused",
        payload={"reason": "holiday"},
    )
    session.add(factories_event)
    session.commit()
    assert open_due_cases(session, ledger.creditor, NOW) == []


def test_five_unanswered_calls_close_the_case_unreachable_and_it_is_reported_once(
    engine: Engine, inbox: tuple[Smtp, list[Message]]
) -> None:
    smtp, got = inbox
    with Session(engine, expire_on_commit=False) as session:
        ledger = _ledger(session)
        (case,) = [
            c
            for c in open_due_cases(session, ledger.creditor, NOW)
            if c.debtor_id == ledger.called.id
        ]
        session.commit()
        at = NOW + timedelta(days=6)
        for n in range(1, 5):
            answer = _say(session, ledger, case.key, "no_answer", at)
            assert answer == {"row_key": case.key, "attempt": n, "case_status": "open"}
        assert _say(session, ledger, case.key, "no_answer", at, attempt=4)["already_recorded"]
        with pytest.raises(ActionRefusedError, match="already reported"):
            _say(session, ledger, case.key, "complaint", at, attempt=4)
        last = _say(session, ledger, case.key, "no_answer", at)
        assert last["case_status"] == "closed"
        assert last["unreachable_channel"] == "phone"
        session.commit()
        assert case.report_due_on is not None
        due = case.report_due_on
    assert send_call_reports(engine, smtp, at) == 1
    assert send_call_reports(engine, smtp, at) == 0
    (report,) = got
    assert report["To"] == "finance@acme.test"
    assert case.key in report["Subject"]
    text = report.get_payload()
    assert "unreachable" in text
    assert "F-1" in text
    assert text.count("no_answer") == 5
    assert at.date() < due <= at.date() + timedelta(days=6)  # four working days


def test_a_promise_on_a_call_is_confirmed_and_when_broken_called_again(session: Session) -> None:
    from serving.scheduler.promises import confirm_promises, detect_broken

    ledger = _ledger(session)
    (case,) = [
        c for c in open_due_cases(session, ledger.creditor, NOW) if c.debtor_id == ledger.called.id
    ]
    at = NOW + timedelta(hours=3)
    answer = _say(session, ledger, case.key, "promise", at, promised_date="2026-03-06")
    assert answer["case_status"] == "closed"
    assert confirm_promises(session, ledger.creditor, at) == 1  # Soleo phase 1
    session.commit()
    later = datetime(2026, 3, 16, 8, tzinfo=AMS)
    assert detect_broken(session, ledger.creditor, later, 3).broken == 1
    second = [c for c in open_due_cases(session, ledger.creditor, later) if c.key.endswith("-2")]
    assert [c.reason for c in second] == ["broken_promise"]  # Soleo phase 2: a firmer call
    days = [later.date() + timedelta(days=n) for n in range(3)]
    items = [i for d in days for i in worklist(session, ledger.creditor.id or 0, d)]
    item = next(i for i in items if i.row_key == second[0].key)
    assert "collection agency" in item.script


def test_a_csv_of_outcomes_is_recorded_all_or_nothing(session: Session) -> None:
    ledger = _ledger(session)
    cases = {c.debtor_id: c for c in open_due_cases(session, ledger.creditor, NOW)}
    session.commit()
    one, two = cases[ledger.called.id].key, cases[ledger.own.id].key
    at = NOW + timedelta(hours=4)
    bad = f"row_key,outcome,promised_date\n{one},promise,\nCC-NOPE,complaint,\n{two},maybe,\n"
    with pytest.raises(ImportValidationError) as err:
        import_outcomes(session, ledger.creditor, bad, filename="o.csv", actor="t", now=at)
    assert [(e.row, e.column) for e in err.value.errors] == [(3, "outcome")]
    session.rollback()
    wrong = f"row_key,outcome,promised_date\n{one},promise,\nCC-NOPE,complaint,\n"
    with pytest.raises(ImportValidationError) as err:
        import_outcomes(session, ledger.creditor, wrong, filename="o.csv", actor="t", now=at)
    assert [(e.row, e.column) for e in err.value.errors] == [(1, "promised_date"), (2, "row_key")]
    session.rollback()
    assert session.exec(select(Outcome)).all() == []
    good = f"row_key,outcome,promised_date,note\n{one},promise,2026-03-10,\n{two},wants_copy,,\n"
    answers = import_outcomes(session, ledger.creditor, good, filename="o.csv", actor="t", now=at)
    assert [a["case_status"] for a in answers] == ["closed", "closed"]
    again = import_outcomes(session, ledger.creditor, good, filename="o.csv", actor="t", now=at)
    assert all(a["already_recorded"] for a in again)
    kinds = session.exec(select(Outcome.kind).order_by(col(Outcome.id))).all()
    assert kinds == ["promise", "wants_copy"]


def test_another_creditors_row_key_is_unknown(session: Session) -> None:
    ledger = _ledger(session)
    (case, *_) = open_due_cases(session, ledger.creditor, NOW)
    theirs = _ledger(session, name="Other B.V.")
    with pytest.raises(UnknownRowKeyError):
        _say(session, theirs, case.key, "complaint", NOW + timedelta(hours=1))
    assert session.get(CallCase, case.id).status == "open"  # type: ignore[union-attr]


def test_the_call_commands(engine: Engine, db_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dunflow.cli import app

    def run(*args: str) -> object:
        return CliRunner().invoke(app, ["call", *args, "--db", db_url])

    with Session(engine, expire_on_commit=False) as session:
        ledger = _ledger(session)
    name = ledger.creditor.name
    set_after = run("after", "--creditor", name, "--invoice", "F-3", "--days", "1")
    assert set_after.exit_code == 0, set_after.output  # type: ignore[attr-defined]
    with Session(engine, expire_on_commit=False) as session:
        keys = {c.debtor_id: c.key for c in open_due_cases(session, ledger.creditor, NOW)}
        session.commit()
    assert len(keys) == 3
    listed = run("worklist", "--creditor", name, "--day", NOW.date().isoformat())
    assert listed.exit_code == 0  # type: ignore[attr-defined]
    said = run(
        "outcome", "--creditor", name, "--row-key", keys[ledger.early.id or 0],
        "--outcome", "complaint", "--note", "te vaak gebeld",
    )  # fmt: skip
    assert said.exit_code == 0, said.output  # type: ignore[attr-defined]
    bad = tmp_path / "o.csv"
    bad.write_text(f"row_key,outcome\n{keys[ledger.own.id or 0]},promise\n")
    refused = run("import", "--creditor", name, str(bad))
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert "o.csv, row 1, column promised_date" in refused.output  # type: ignore[attr-defined]
    no_one = run("outcome", "--creditor", "Acme", "--row-key", "x", "--outcome", "no_answer")
    assert "--creditor" in no_one.output  # type: ignore[attr-defined]


def test_a_row_of_the_policys_call_list_is_reported_by_its_own_key(session: Session) -> None:
    from ledger.tables import Contact

    ledger = _ledger(session)
    row_key = f"{ledger.called.id}:2026-03-02:reminder"
    session.add(
        Contact(
            creditor_id=ledger.creditor.id or 0,
            debtor_id=ledger.called.id or 0,
            channel="phone",
            tone="neutral",
            stage="reminder",
            status="sent",
            scheduled_at=NOW,
            sent_at=NOW,
            idempotency_key=row_key,
        )
    )
    session.flush()
    answer = _say(session, ledger, row_key, "wants_copy", NOW + timedelta(hours=3))
    assert (answer["row_key"], answer["attempt"], answer["case_status"]) == (row_key, 1, "closed")
    assert answer["copy_planned"] is True
    theirs = _ledger(session, name="Derde B.V.")
    with pytest.raises(UnknownRowKeyError):
        _say(session, theirs, row_key, "wants_copy", NOW + timedelta(hours=3))


def test_a_case_nobody_reported_on_is_closed_and_reported(session: Session) -> None:
    from serving.operate.call_outcomes import expire_cases

    ledger = _ledger(session)
    cases = open_due_cases(session, ledger.creditor, NOW)
    last = max(
        session.exec(select(CallAttempt.planned_at).where(CallAttempt.case_id == cases[0].id))
    )
    assert expire_cases(session, ledger.creditor, last + timedelta(hours=23)) == 0
    assert expire_cases(session, ledger.creditor, last + timedelta(days=2)) >= 1
    assert session.get(CallCase, cases[0].id).result == "not_called"  # type: ignore[union-attr]
