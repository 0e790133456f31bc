"""``/reports/…`` over HTTP: API key or signed link, tenancy, language, bad values, PDF."""

import time
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from serving.reports.links import signed_query
from tests.serving.reports import sample_ledger as sample
from tests.serving.reports.conftest import SECRET, Ledger

WEEKLY = f"/reports/weekly?as_of={sample.AS_OF.isoformat()}"
DECISION = f"/reports/decisions/{sample.REC_ID}"


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def _problem(response: object) -> tuple[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    return body["detail"][0]["field"], body["detail"][0]["problem"]


def test_weekly_with_api_key_in_the_creditors_language(client: TestClient, ledger: Ledger) -> None:
    r = client.get(WEEKLY, headers=_key(ledger.key))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "€ 4.240,00" in r.text  # the creditor's language (nl) by default
    assert f'href="/reports/weekly.pdf?as_of={sample.AS_OF.isoformat()}"' in r.text
    en = client.get(WEEKLY + "&lang=en", headers=_key(ledger.key))
    assert "€4,240.00" in en.text


def test_bad_query_values_are_422_naming_the_field(client: TestClient, ledger: Ledger) -> None:
    r = client.get("/reports/weekly?lang=xx", headers=_key(ledger.key))
    assert r.status_code == 422
    assert _problem(r)[0] == "query.lang"
    r = client.get("/reports/weekly?as_of=garbage", headers=_key(ledger.key))
    assert r.status_code == 422
    assert _problem(r)[0] == "query.as_of"


def test_no_key_is_401(client: TestClient, ledger: Ledger) -> None:
    r = client.get(WEEKLY)
    assert r.status_code == 401
    assert _problem(r)[0] == "header.X-API-Key"


def test_decision_is_scoped_to_the_key(client: TestClient, ledger: Ledger) -> None:
    r = client.get(DECISION + "?lang=en", headers=_key(ledger.key))
    assert r.status_code == 200
    assert "SMS, friendly (reminder)" in r.text
    theirs = client.get(f"/reports/decisions/{ledger.other_rec_id}", headers=_key(ledger.key))
    missing = client.get("/reports/decisions/does-not-exist", headers=_key(ledger.key))
    assert theirs.status_code == missing.status_code == 404
    # no existence leak: the same answer shape for "theirs" and "missing"
    assert _problem(theirs)[0] == _problem(missing)[0] == "path.recommendation_id"
    assert client.get(DECISION, headers=_key(ledger.other_key)).status_code == 404
    assert client.get(f"{DECISION}.pdf", headers=_key(ledger.other_key)).status_code == 404


def _signed(path: str, creditor: int, exp: int, secret: str = SECRET) -> str:
    return f"{path}?{signed_query(path, creditor, exp, secret=secret)}"


def test_signed_link_valid_expired_tampered(client: TestClient, ledger: Ledger) -> None:
    future = int(time.time()) + 600
    ok = client.get(_signed("/reports/weekly", ledger.creditor_id, future) + "&as_of=2026-11-24")
    assert ok.status_code == 200
    assert "€ 4.240,00" in ok.text
    expired = client.get(_signed("/reports/weekly", ledger.creditor_id, int(time.time()) - 1))
    assert expired.status_code == 403
    assert _problem(expired)[0] == "query.exp"
    link = _signed("/reports/weekly", ledger.creditor_id, future)
    tampered = client.get(
        link.replace(f"creditor={ledger.creditor_id}", f"creditor={ledger.other_id}")
    )
    assert tampered.status_code == 403
    assert _problem(tampered)[0] == "query.sig"
    forged = client.get(_signed("/reports/weekly", ledger.creditor_id, future, secret="guess"))
    assert _problem(forged)[0] == "query.sig"
    missing = client.get(f"/reports/weekly?exp={future}&sig=abc")
    assert (missing.status_code, _problem(missing)[0]) == (403, "query.creditor")


def test_signed_link_to_another_creditors_decision_is_404(
    client: TestClient, ledger: Ledger
) -> None:
    future = int(time.time()) + 600
    path = f"/reports/decisions/{ledger.other_rec_id}"
    assert client.get(_signed(path, ledger.creditor_id, future)).status_code == 404
    assert client.get(_signed(path, ledger.other_id, future)).status_code == 200


def test_create_link_then_open_it(client: TestClient, ledger: Ledger) -> None:
    r = client.post("/reports/links", json={"path": DECISION}, headers=_key(ledger.key))
    assert r.status_code == 200
    url = r.json()["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["creditor"] == [str(ledger.creditor_id)]
    opened = client.get(url + "&lang=en")
    assert opened.status_code == 200
    assert "Decision explanation" in opened.text
    theirs = client.post(
        "/reports/links",
        json={"path": f"/reports/decisions/{ledger.other_rec_id}"},
        headers=_key(ledger.key),
    )
    assert theirs.status_code == 404
    bad = client.post("/reports/links", json={"path": "/v1/admin"}, headers=_key(ledger.key))
    assert (bad.status_code, _problem(bad)[0]) == (422, "body.path")


def test_pdf_routes(client: TestClient, ledger: Ledger) -> None:
    r = client.get(
        f"/reports/weekly.pdf?as_of={sample.AS_OF.isoformat()}", headers=_key(ledger.key)
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert 'filename="weekly-2026-11-24.pdf"' in r.headers["content-disposition"]
