"""Log-in, the session cookie, CSRF, log-out and the Overview over HTTP (no browser)."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import LoginAttempt
from serving.webapp import COOKIE
from serving.webapp.users import reset_password
from tests.serving.webapp.conftest import Tenants, csrf_of, log_in, post_login


def test_pages_need_a_session(client: TestClient) -> None:
    answer = client.get("/app?page=2", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=/app%3Fpage%3D2"


def test_log_in_sets_a_hardened_cookie_and_shows_the_overview(client: TestClient) -> None:
    answer = post_login(client, Tenants.email("finance"))
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("httponly", "samesite=lax", "path=/app"):
        assert flag in cookie.lower(), flag
    overview = client.get("/app")
    assert overview.status_code == 200
    for figure in ("€ 4.240,00", "+€ 1.350,00", "81,5 dagen", "€ 650,00", "Vraagt aandacht"):
        assert figure in overview.text, figure


def test_attention_is_ranked_collection_first_then_by_amount(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    table = client.get("/app").text.split('id="attention"', 1)[1]
    order = [
        kind
        for kind in (
            "klaar voor incasso",
            "afspraak niet nagekomen",
            "14-dagenbrief verloopt",
            "klacht",
            "betwist",
        )
        if kind in table
    ]
    assert order == sorted(order, key=table.index)
    assert table.index("€ 1.210,00") < table.index("€ 250,00")  # I1 before I3, both ready


def test_wrong_password_is_401_and_the_sixth_is_429(client: TestClient, engine: Engine) -> None:
    csrf = csrf_of(client, "/app/login")
    for _ in range(5):
        answer = client.post(
            "/app/login", data={"csrf": csrf, "email": Tenants.email("finance"), "password": "nope"}
        )
        assert answer.status_code == 401
        assert "Onjuist e-mailadres of wachtwoord" in answer.text
    answer = client.post(
        "/app/login",
        data={"csrf": csrf, "email": Tenants.email("finance"), "password": "correct horse battery"},
    )
    assert answer.status_code == 429
    assert "15 minuten" in answer.text
    with Session(engine) as session:
        assert len(session.exec(select(LoginAttempt)).all()) == 6


def test_a_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/app/login")
    answer = client.post(
        "/app/login", data={"email": Tenants.email("finance"), "password": "correct horse battery"}
    )
    assert answer.status_code == 403
    log_in(client, Tenants.email("finance"))
    answer = client.post("/app/logout", data={"csrf": "forged"})
    assert answer.status_code == 403
    assert client.get("/app").status_code == 200  # still signed in


def test_log_out_ends_the_session(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    answer = client.post("/app/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert answer.headers["location"] == "/app/login"
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_a_password_reset_ends_open_sessions(client: TestClient, engine: Engine) -> None:
    log_in(client, Tenants.email("admin"))
    with Session(engine) as session:
        reset_password(session, Tenants.email("admin"), "a brand new password")
        session.commit()
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_language_is_per_user_and_switchable(client: TestClient) -> None:
    log_in(client, Tenants.email("call_agent"))  # an English speaker
    assert "Needs attention" in client.get("/app").text
    client.post("/app/language", data={"csrf": csrf_of(client), "language": "nl"})
    assert "Vraagt aandacht" in client.get("/app").text


def test_next_never_leaves_the_app(client: TestClient) -> None:
    answer = post_login(client, Tenants.email("finance"), next="https://evil.example/")
    assert answer.headers["location"] == "/app"
