"""The Dossier's "send now": the next allowed contact goes into the outbox once and the
dispatcher sends it once; a refusal gives the rules' reasons in plain words, in the user's
language, and writes nothing."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, Creditor, DossierEvent
from serving.scheduler.dispatcher import Dispatcher
from serving.senders.base import Message, Receipt
from tests.serving.webapp.conftest import NOW, Tenants, at_ten, csrf_of, fresh_debtor, log_in


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    at_ten(monkeypatch)


def test_send_now_plans_once_and_the_dispatcher_sends_once(
    client: TestClient, engine: Engine, tenants: Tenants
) -> None:
    debtor = fresh_debtor(engine, tenants.creditor_id)
    log_in(client, Tenants.email("finance"))
    page = client.get(f"/app/debtors/{debtor}").text
    assert "Volgende toegestane bericht: e-mail, herinnering" in page
    csrf = csrf_of(client)
    done = client.post(f"/app/debtors/{debtor}/send-now", data={"csrf": csrf})
    assert done.status_code == 200
    assert "Ingepland" in done.text
    again = client.post(f"/app/debtors/{debtor}/send-now", data={"csrf": csrf})
    assert again.status_code == 422
    assert "Er is al een bericht op 24 november 2026" in again.text
    with Session(engine) as session:
        planned = session.exec(select(Contact).where(Contact.debtor_id == debtor)).all()
        event = session.exec(select(DossierEvent).where(DossierEvent.kind == "send_now")).one()
    assert [(c.channel, c.stage, c.status) for c in planned] == [("email", "reminder", "planned")]
    assert planned[0].scheduled_at == NOW
    assert planned[0].idempotency_key == f"{debtor}:2026-11-24:reminder"
    assert event.actor == "user:finance@bakkerij.example"
    assert event.payload["contact_id"] == planned[0].id
    sent: list[Message] = []

    def send(creditor: Creditor, message: Message) -> Receipt:
        sent.append(message)
        return Receipt("test", f"id-{len(sent)}", message.send_at)

    dispatcher = Dispatcher(engine, worker="test", send=send)
    dispatcher.run_once(NOW + timedelta(minutes=1))
    dispatcher.run_once(NOW + timedelta(minutes=2))
    mine = [m for m in sent if m.idempotency_key == planned[0].idempotency_key]
    assert [m.channel for m in mine] == ["email"]


def test_a_refusal_gives_the_rules_reasons_in_plain_words(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, Tenants.email("finance"))  # a Dutch-speaking user
    page = client.get("/app/debtors?q=Jansen").text
    debtor = int(page.split('href="/app/debtors/', 1)[1].split('"', 1)[0])
    with Session(engine) as session:
        before = len(session.exec(select(Contact)).all())
    refused = client.post(f"/app/debtors/{debtor}/send-now", data={"csrf": csrf_of(client)})
    assert refused.status_code == 422
    assert "Niet verstuurd: de regels staan het nu niet toe." in refused.text
    # the planned e-mail of 25 November: at least 3 days apart, so not before the 28th
    assert "Te kort na (of voor) het bericht van 25 november 2026: minstens 3 dagen" in refused.text
    assert "Vroegst toegestaan: 28 november 2026 07:00." in refused.text
    assert "minimum gap" not in refused.text
    with Session(engine) as session:
        assert len(session.exec(select(Contact)).all()) == before


def test_a_call_agent_may_not_send_now(
    client: TestClient, engine: Engine, tenants: Tenants
) -> None:
    debtor = fresh_debtor(engine, tenants.creditor_id)
    log_in(client, Tenants.email("call_agent"))
    page = client.get(f"/app/debtors/{debtor}").text
    assert "send-now" not in page
    answer = client.post(f"/app/debtors/{debtor}/send-now", data={"csrf": csrf_of(client)})
    assert answer.status_code == 403
