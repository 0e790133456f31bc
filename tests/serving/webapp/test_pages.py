"""Debtors, Dossier, Calls and Reports over HTTP: key figures, filters, actions with the API's
validation (worded in the user's language), roles."""

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import DossierEvent
from tests.serving.webapp.conftest import Tenants, csrf_of, log_in


def _debtor_id(client: TestClient, name: str) -> int:
    page = client.get("/app/debtors", params={"q": name}).text
    return int(page.split('<a href="/app/debtors/', 1)[1].split('"', 1)[0])


def test_debtors_search_filter_sort_and_pages(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    every = client.get("/app/debtors").text
    assert "Jansen Installatie B.V." in every
    assert "€ 1.210,00" in every
    found = client.get("/app/debtors", params={"q": "k-0404"}).text  # the debtor number
    assert "M. Visser" in found
    assert "Jansen" not in found
    rich = client.get("/app/debtors", params={"min_open_euros": 1000}).text
    assert "Jansen" in rich
    assert "P. de Boer" not in rich
    by_name = client.get("/app/debtors", params={"sort": "name", "desc": "false"}).text
    names = ["Bouwbedrijf Smit", "Café Het Hoekje", "Jansen Installatie B.V.", "M. Visser"]
    assert [by_name.index(n) for n in names] == sorted(by_name.index(n) for n in names)
    bad = client.get("/app/debtors", params={"sort": "shoe size"})
    assert bad.status_code == 422
    assert "sort" in bad.text


def test_a_finance_user_pauses_and_resumes_a_dossier(client: TestClient, engine: Engine) -> None:
    log_in(client, Tenants.email("finance"))
    debtor = _debtor_id(client, "Jansen")
    page = client.get(f"/app/debtors/{debtor}").text
    assert "2026-I1" in page
    assert "€ 1.210,00" in page
    csrf = csrf_of(client)
    refused = client.post(
        f"/app/debtors/{debtor}/actions", data={"csrf": csrf, "action": "pause", "reason": ""}
    )
    assert refused.status_code == 422
    assert "Reden: is verplicht" in refused.text
    done = client.post(
        f"/app/debtors/{debtor}/actions",
        data={"csrf": csrf, "action": "pause", "reason": "betalingsregeling loopt"},
    )
    assert done.status_code == 200
    assert "gepauzeerd" in done.text
    with Session(engine) as session:
        event = session.exec(select(DossierEvent).where(DossierEvent.kind == "paused")).one()
    assert event.actor == "user:finance@bakkerij.example"
    promise = client.post(
        f"/app/debtors/{debtor}/actions",
        data={
            "csrf": csrf,
            "action": "promise",
            "amount_euros": "1.210,00",
            "promised_date": "2020-01-01",
        },
    )
    assert promise.status_code == 422
    assert "Betaalt uiterlijk: ligt in het verleden" in promise.text
    client.post(f"/app/debtors/{debtor}/actions", data={"csrf": csrf, "action": "resume"})
    assert "loopt" in client.get(f"/app/debtors/{debtor}").text


def test_the_dossier_timeline_speaks_the_users_language(client: TestClient) -> None:
    """Events, contacts and outcomes in words, money as euros: no stored code or cents."""
    log_in(client, Tenants.email("finance"))
    debtor = _debtor_id(client, "Jansen")
    client.post(
        f"/app/debtors/{debtor}/actions",
        data={"csrf": csrf_of(client), "action": "pause", "reason": "regeling",
              "until": "2026-12-15"},
    )  # fmt: skip
    page = client.get(f"/app/debtors/{debtor}").text
    timeline = page.split('id="timeline"', 1)[1].split("</table>", 1)[0]
    assert "dossier: gepauzeerd" in timeline
    assert "finance@bakkerij.example · tot en met: 15 december 2026, reden: regeling" in timeline
    assert "dossier: bericht geannuleerd</td><td>verzending</td>" in timeline  # no English reason
    for code in ("paused", "until:", "_cents", "contact_planned", " · sent", "reminder"):
        assert code not in timeline, code


def test_a_call_agent_reads_but_does_not_act(client: TestClient) -> None:
    log_in(client, Tenants.email("call_agent"))
    debtor = _debtor_id(client, "Jansen")
    assert "Record a promise" not in client.get(f"/app/debtors/{debtor}").text
    answer = client.post(
        f"/app/debtors/{debtor}/actions",
        data={"csrf": csrf_of(client), "action": "note", "text": "x"},
    )
    assert answer.status_code == 403
    assert client.get("/app/settings").status_code in (403, 404)
    assert client.get("/app/reports").status_code == 403


def _no_answer(client: TestClient, key: str) -> Response:
    data = {"csrf": csrf_of(client, "/app/calls"), "row_key": key, "outcome": "no_answer"}
    return client.post("/app/calls/outcome", data=data)


def test_the_call_agent_records_an_outcome_and_the_next_attempt_appears(client: TestClient) -> None:
    log_in(client, Tenants.email("call_agent"))
    page = client.get("/app/calls").text
    assert "Jansen Installatie B.V." in page
    assert "attempt 1 of 5" in page
    assert "+31612345678" in page
    answer = _no_answer(client, "case-mine")
    assert answer.status_code == 200
    assert "Next attempt (2): 24 November 2026 16:30" in answer.text
    assert "attempt 2 of 5" in answer.text
    other = _no_answer(client, "case-other")
    assert other.status_code == 422
    assert "Call: no call list row &#39;case-other&#39;" in other.text


def test_reports_in_the_users_language(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    assert "€ 4.240,00" in client.get("/app/reports").text
    assert client.get("/app/reports/decisions/nope").status_code == 404


SETTINGS_FORM = {
    "allowed_weekdays": ["0", "1", "2", "3", "4", "5"],
    "contact_start_minute": "07:00",
    "contact_end_minute": "20:00",
    "min_gap_days": "3",
    "bundle_days": "0",
    "cost_email": "0",
    "cost_sms": "0,20",
    "cost_letter": "1,50",
    "iban": "NL91ABNA0417164300",
    "payment_reference_scheme": "invoice_number",
    "language": "nl",
    "promise_confirmation_mail": "on",
    "complaint_pause_days": "14",
    "digest_weekday": "0",
    "digest_minute": "08:00",
}


def test_settings_with_the_apis_validation_and_audit(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    page = client.get("/app/settings").text
    assert 'name="allowed_weekdays" value="5" checked' in page
    csrf = csrf_of(client, "/app/settings")
    sunday = {**SETTINGS_FORM, "csrf": csrf, "allowed_weekdays": ["0", "6"], "iban": "NL00"}
    refused = client.post("/app/settings", data=sunday)
    assert refused.status_code == 422
    assert "Contactdagen: zondag: buiten de wettelijke contactdagen" in refused.text
    assert "IBAN: &#39;NL00&#39; is geen geldige IBAN" in refused.text
    weekdays = {**SETTINGS_FORM, "csrf": csrf, "allowed_weekdays": ["0", "2", "4"]}
    saved = client.post("/app/settings", data=weekdays)
    assert saved.status_code == 200
    assert "Opgeslagen." in saved.text
    assert 'name="allowed_weekdays" value="1" checked' not in saved.text
    # the change in words: the form's label, days by name, who without the audit's prefix
    history = saved.text.split('id="history"', 1)[1]
    days = "maandag, dinsdag, woensdag, donderdag, vrijdag, zaterdag"
    assert f"Contactdagen: {days} → maandag, woensdag, vrijdag" in history
    assert "<td>finance@bakkerij.example</td>" in history
    assert "allowed_weekdays" not in history
    # the creditor's limit on contacts per debtor: checked by the API's model, told by its label
    too_many = client.post("/app/settings", data={**weekdays, "max_contacts_per_debtor": "31"})
    assert too_many.status_code == 422
    assert "Berichten per debiteur in 30 dagen, hoogstens: " in too_many.text
    limited = client.post("/app/settings", data={**weekdays, "max_contacts_per_debtor": "5"})
    assert limited.status_code == 200
    assert 'name="max_contacts_per_debtor" min="1" max="30" value="5"' in limited.text
    assert (
        "Berichten per debiteur in 30 dagen, hoogstens: " in limited.text.split('id="history"')[1]
    )


def test_segments_with_the_apis_messages(client: TestClient) -> None:
    log_in(client, Tenants.email("admin"))
    csrf = csrf_of(client, "/app/segments")
    base = {"csrf": csrf, "name": "Groot", "default_tone": "neutral", "priority": "10"}
    bad = client.post("/app/segments", data={**base, "min_tone": "firm", "max_tone": "friendly"})
    assert bad.status_code == 422
    assert "Toon hoogstens: vriendelijk ligt onder Toon minstens: streng" in bad.text
    not_json = client.post("/app/segments", data={**base, "rules": "{kind: b2b"})
    assert "Wie hoort erbij: is geen JSON (regel 1)" in not_json.text
    rules = '[{"min_open_cents": 100000}]'
    made = client.post(
        "/app/segments", data={**base, "allowed_channels": ["email", "letter"], "rules": rules}
    )
    assert made.status_code == 200
    assert "Groot" in made.text
    again = client.post("/app/segments", data={**base})
    assert "Naam: er is al een segment &#39;Groot&#39;" in again.text
    # the segment's dunning plan (the plan learner's anchor), inside its own bounds
    planned = {**base, "name": "Gepland", "allowed_channels": ["email"]}
    wrong = client.post("/app/segments", data={**planned, "plan": "phone/neutral/7d"})
    assert wrong.status_code == 422
    assert "Aanmaanplan: phone is geen kanaal van dit segment" in wrong.text
    off_grid = client.post("/app/segments", data={**planned, "plan": "email/neutral/5d"})
    assert off_grid.status_code == 422
    assert "Aanmaanplan: email/neutral/5d is geen plan dat het model kent: elke 7/10/14/21" in (
        off_grid.text
    )
    kept = client.post("/app/segments", data={**planned, "plan": "email/neutral/14d"})
    assert kept.status_code == 200
    assert "Gepland" in kept.text


def test_models_show_the_champion_and_the_gates_verdicts(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    page = client.get("/app/models").text
    assert "kampioen" in page
    assert "passed: +3.4 % cash" in page
    assert "refused: -1.2 % cash vs champion" in page
    assert 'id="logged">2<' in page  # the sample's two decisions of this creditor


def test_needs_attention_says_what_each_date_is(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    table = client.get("/app").text.split('id="attention"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="col" class="hide-phone">Wanneer</th>' in table
    rows = re.findall(r"<tr><td>([^<]*)</td>.*?<td class=\"hide-phone\">([^<]*)</td></tr>", table)
    said = {reason: when.split(" ", 1)[0] for reason, when in rows}
    assert said == {
        "klaar voor incasso": "incassokosten",
        "afspraak niet nagekomen": "beloofd",
        "14-dagenbrief verloopt": "incassokosten",
        "klacht": "klacht",
        "betwist": "vervallen",
    }
