"""The daily cycle over real HTTP: plans the rules' contacts once, refuses what the rules refuse."""

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, ContactInvoice, Creditor, DossierEvent
from serving.api.schemas import ActionOut, Explanation, RecommendationOut
from serving.scheduler.cycle import run_cycle
from serving.scheduler.daily import dispatch_through
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.scoring_client import ScoringClient
from serving.senders.base import Message, Receipt
from tests.serving.scheduler.conftest import CYCLE, Api, Book, make_book


def _creditor(engine: Engine, book: Book) -> Creditor:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Creditor, book.creditor_id)
        assert row is not None
        return row


class Sent:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, creditor: Creditor, message: Message) -> Receipt:
        self.keys.append(message.idempotency_key)
        return Receipt("test", message.idempotency_key, message.send_at)


def test_cycle_plans_once_and_dispatch_sends_once(
    engine: Engine, book: Book, client: ScoringClient
) -> None:
    creditor = _creditor(engine, book)
    first = run_cycle(engine, creditor, CYCLE, client)
    assert first.candidates == 5
    assert first.answered == 5
    assert first.planned == 5, first
    assert dict(first.planned_by_channel) == {"email": 5}
    again = run_cycle(engine, creditor, CYCLE + timedelta(minutes=5), client)
    assert again.planned == 0
    assert again.refused == 0
    with Session(engine) as session:
        contacts = session.exec(select(Contact)).all()
        assert len(contacts) == 5
        assert {c.recommendation_id is not None for c in contacts} == {True}
        assert {c.model_version for c in contacts} == {"ladder"}
        assert {c.propensity for c in contacts} == {1.0}
        assert len(session.exec(select(ContactInvoice)).all()) == 5
    sent = Sent()
    stats = dispatch_through(
        engine, Dispatcher(engine, worker="t", send=sent), CYCLE + timedelta(hours=12)
    )
    assert stats.sent == 5
    assert sorted(sent.keys) == sorted(set(sent.keys))
    with Session(engine) as session:
        assert {c.status for c in session.exec(select(Contact))} == {"sent"}
        assert all(c.sent_at is not None for c in session.exec(select(Contact)))


class Liar(ScoringClient):
    """Answers SMS for everyone, on a Sunday: the rules must refuse it."""

    def _post(self, key, debtor_ids, at):  # type: ignore[no-untyped-def]
        sunday = at + timedelta(days=(6 - at.weekday()) % 7)
        return [
            RecommendationOut(
                id=f"fake-{d}",
                debtor_id=d,
                debtor_external_id=str(d),
                created_at=at,
                model_version="liar",
                degraded=False,
                action=ActionOut(
                    channel="sms",
                    tone="firm",
                    send_at=sunday,
                    stage="reminder",
                    template="reminder.firm.sms",
                    invoice_numbers=[],
                ),
                expected_value_cents=0,
                p_pay=None,
                propensity=1.0,
                alternatives=[],
                explanation=Explanation(reasons=[]),
            )
            for d in debtor_ids
        ]


def test_a_refused_answer_is_logged_and_not_planned(engine: Engine, book: Book) -> None:
    creditor = _creditor(engine, book)
    liar = Liar("http://127.0.0.1:9", lambda _n: "k")
    at = CYCLE - timedelta(days=CYCLE.weekday() - 6 + 7)  # the Sunday before the cycle
    stats = run_cycle(engine, creditor, at, liar)
    assert stats.refused == 5
    assert stats.planned == 0
    with Session(engine) as session:
        assert session.exec(select(Contact)).all() == []
        refused = session.exec(
            select(DossierEvent).where(DossierEvent.kind == "recommendation_refused")
        ).all()
        assert len(refused) == 5
        reasons = " ".join(r for e in refused for r in e.payload["reasons"])
        assert "Sunday" in reasons
        assert "tone firm does not fit stage reminder" in reasons


def test_the_contact_budget_stops_paid_contacts_in_the_cycle(engine: Engine, api: Api) -> None:
    from serving.scheduler.cycle import creditor_usage

    book = make_book(engine, n=4, disabled_channels=["email"], contact_budget_cents=40)
    client = ScoringClient(api.url, lambda _name: book.key, batch_size=2)
    with Session(engine, expire_on_commit=False) as session:
        creditor = session.get(Creditor, book.creditor_id)
    assert creditor is not None
    stats = run_cycle(engine, creditor, CYCLE, client)
    client.close()
    assert stats.planned >= 1
    assert stats.refusal_reasons["contact budget"] == stats.refused >= 1
    with Session(engine) as session:
        spent = creditor_usage(session, book.creditor_id, CYCLE).cost_cents
    assert 0 < spent <= 40
