"""Must show (issue 17): a creditor set up from nothing through the API only — settings, a
segment, an import — then 30 days through the scheduler with a call case (its per-case report
mailed once), a pause and resume, a dispute resolved, a promise kept and one broken (taken on a
call: a firmer second call follows), and a dossier handed off to collection and exported.

The only step outside the API is the first admin key (``dunflow apikey create --admin``). The API
stamps what it records with the wall clock, so the simulated days start tomorrow: everything
recorded through it is known to every simulated day after. The rendered messages are recorded by
the dispatcher's send function, not sent."""

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import Message as Mail
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.api.security import create_api_key
from serving.operate.dossier_export import FILES
from serving.scheduler.call_reports import send_call_reports
from serving.scheduler.daily import run_day
from serving.scheduler.dispatcher import Dispatcher
from serving.scheduler.scoring_client import ScoringClient
from serving.scheduler.settings import SchedulerSettings
from serving.senders.base import Message, Receipt
from serving.senders.settings import get_sender_settings
from tests import mail

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime.now(AMS).date() + timedelta(days=1)
DAYS = 30


def _d(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


DEBTORS = """external_id,kind,name,email,phone,address_line,postal_code,city,country,language
K-CALL,b2b,Bouwbedrijf Bel,bel@example.test,0612345678,Kade 1,1011 AA,Amsterdam,NL,nl
K-PAUSE,b2b,Pauze B.V.,pauze@example.test,,Laan 2,1012 BB,Amsterdam,NL,nl
K-DISP,b2b,Twist Techniek,twist@example.test,,Weg 3,1013 CC,Amsterdam,NL,nl
K-KEEP,b2b,Trouw Tegels,trouw@example.test,,Plein 4,1014 DD,Amsterdam,NL,nl
K-HAND,b2b,Laat & Later,laat@example.test,0687654321,Dijk 5,1015 EE,Amsterdam,NL,nl
"""
INVOICES = "number,debtor_external_id,issue_date,due_date,amount\n" + "\n".join(
    f"{n},{d},{_d(-40)},{_d(due)},{amount}"
    for n, d, due, amount in [
        ("F-101", "K-CALL", -8, "850.00"),
        ("F-102", "K-PAUSE", -5, "240.00"),
        ("F-103", "K-DISP", -5, "1210.00"),
        ("F-104", "K-KEEP", -5, "99.95"),
        ("F-105", "K-HAND", -25, "3000.00"),
    ]
)


@dataclass
class Smtp:
    smtp_port: int
    smtp_host: str = "127.0.0.1"
    smtp_from: str = "dunflow@noord.test"


@pytest.fixture
def inbox() -> Iterator[tuple[Smtp, list[Mail]]]:
    with mail.inbox() as (port, got):
        yield Smtp(port), got


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DUNFLOW_OUTBOX_DIR", str(tmp_path))
    get_sender_settings.cache_clear()
    yield tmp_path
    get_sender_settings.cache_clear()


class Api:
    def __init__(self, client: TestClient, key: str) -> None:
        self.c, self.h = client, {"X-API-Key": key}

    def __call__(self, method: str, path: str, ok: int = 200, **kw: object) -> object:
        got = self.c.request(method, path, headers=self.h, **kw)  # type: ignore[arg-type]
        assert got.status_code == ok, f"{method} {path}: {got.status_code} {got.text}"
        return (
            got.json()
            if got.headers.get("content-type", "").startswith("application/json")
            else got
        )


def _sent(creditor: object, message: Message) -> Receipt:
    return Receipt("e2e", f"e2e-{message.idempotency_key}", message.send_at)


@pytest.mark.slow
def test_a_creditor_from_nothing_through_the_api(
    engine: Engine, outbox: Path, inbox: tuple[Smtp, list[Mail]]
) -> None:
    smtp, mails = inbox
    with Session(engine) as session:
        admin_key = create_api_key(session, creditor_id=None, is_admin=True)
        session.commit()
    client = TestClient(create_app(engine=engine, model_store=ModelStore(None)))
    admin = Api(client, admin_key)
    made = admin(
        "POST", "/v1/creditors", 201,
        json={"name": "Installatiebedrijf Noord B.V.", "settings": {
            "iban": "NL91ABNA0417164300", "min_gap_days": 2, "handoff_stage": "collection",
            "digest_recipients": ["finance@noord.test"], "contact_end_minute": 18 * 60,
        }},
    )  # fmt: skip
    cid = made["id"]  # type: ignore[index]
    key = admin("POST", f"/v1/creditors/{cid}/keys", 201, json={"label": "e2e"})["key"]  # type: ignore[index]
    api = Api(client, key)
    api("PATCH", f"/v1/creditors/{cid}/settings", json={"bundle_days": 1})
    seg = api("POST", "/v1/segments", 201, json={"name": "bellen", "call_after_days": 5})
    api("POST", "/v1/imports/debtors", 201, json={"content": DEBTORS, "filename": "debtors.csv"})
    api("POST", "/v1/imports/invoices", 201, json={"content": INVOICES})
    ids = {
        n: api("GET", "/v1/debtors", params={"number": n})[0]["id"]  # type: ignore[index]
        for n in ("K-CALL", "K-PAUSE", "K-DISP", "K-KEEP", "K-HAND")
    }
    api("PUT", f"/v1/debtors/{ids['K-CALL']}/segment", json={"segment_id": seg["id"]})  # type: ignore[index]

    def act(debtor: str, **body: object) -> object:
        return api("POST", f"/v1/debtors/{ids[debtor]}/actions", 201, json=body)

    act("K-PAUSE", action="pause", reason="op vakantie")
    act("K-DISP", action="dispute", reason="werk niet af", invoice_numbers=["F-103"])
    act("K-KEEP", action="promise", amount_cents=9_995, promised_date=_d(6))

    scoring = ScoringClient("http://testserver", lambda _n: key, transport=client._transport)
    dispatcher = Dispatcher(engine, worker="e2e", send=_sent)
    settings = SchedulerSettings()
    case_key: str | None = None
    for n in range(DAYS):
        day = START + timedelta(days=n)
        if n == 3:
            act("K-PAUSE", action="resume", reason="terug")
            paid = {"debtor_id": ids["K-KEEP"], "kind": "paid", "amount_cents": 9_995}
            api("POST", "/v1/outcomes", 201, json=paid)
        if n == 4:
            act("K-DISP", action="resolve_dispute", resolution="reopen", note="werk afgerond")
        run_day(engine, day, scoring, dispatcher, settings)
        calls = api("GET", "/v1/calls/worklist", params={"day": day.isoformat()})
        for item in calls:  # type: ignore[attr-defined]
            if item["reason"] == "past_due" and item["attempt"] == 1:
                case_key = item["row_key"]
                api("POST", "/v1/calls/outcomes", 201,
                    json={"row_key": case_key, "outcome": "no_answer"})  # fmt: skip
            elif item["reason"] == "past_due":
                api("POST", "/v1/calls/outcomes", 201, json={
                    "row_key": item["row_key"], "outcome": "promise",
                    "promised_date": _d(n + 2), "note": "betaalt na de 25e"})  # fmt: skip
            else:  # the firmer second call after the broken promise
                api("POST", "/v1/calls/outcomes", 201,
                    json={"row_key": item["row_key"], "outcome": "no_answer"})  # fmt: skip
        send_call_reports(engine, smtp, datetime.combine(day, time(18), tzinfo=AMS))
    scoring.close()

    def events(debtor: str) -> list[str]:
        got = api("GET", f"/v1/debtors/{ids[debtor]}/dossier")["events"]  # type: ignore[index]
        return [e["kind"] for e in got]

    assert api("GET", f"/v1/creditors/{cid}/settings/history")[0]["changes"]  # type: ignore[index]
    pause = events("K-PAUSE")
    assert pause.index("paused") < pause.index("resumed") < pause.index("contact_planned")
    dispute = events("K-DISP")
    assert dispute.index("dispute_resolved") < dispute.index("contact_planned")
    keep = events("K-KEEP")
    assert "outcome_paid" in keep
    assert "promise_broken" not in keep
    call = events("K-CALL")
    assert call.count("call_case_opened") == 2  # the first, then the firmer one
    assert "promise_broken" in call
    first = api("GET", f"/v1/calls/cases/{case_key}")
    assert (first["result"], first["reported_at"] is not None) == ("promise", True)  # type: ignore[index]
    reports = [m for m in mails if "call report" in str(m["Subject"])]
    assert len({m["Message-ID"] for m in reports}) == len(reports) >= 1  # each case once
    print("\n" + str(reports[0]["Subject"]) + "\n" + str(reports[0].get_payload()))
    hand = events("K-HAND")
    assert "handed_off" in hand
    assert "contact_planned" not in hand[hand.index("handed_off") :]
    zipped = api("GET", f"/v1/debtors/{ids['K-HAND']}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))  # type: ignore[attr-defined]
    assert tuple(archive.namelist()) == FILES
    claim = json.loads(archive.read("dossier.json"))["claim"]
    assert claim["costs_cents"] == 42_500
    assert claim["interest_cents"] > 0
    for info in archive.infolist():
        print(f"{info.file_size:>8}  {info.filename}")
    assert date.fromisoformat(claim["on"]) > START
