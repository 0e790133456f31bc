"""Web-app fixtures: the reports' sample ledger ("Bakkerij de Vries B.V.", as of 2026-11-24) next
to another creditor, a user of each role for both, and a TestClient of the whole API."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.enums import UserRole
from ledger.tables import Creditor
from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.operate.call_cases import open_case
from serving.webapp import models_view, users
from serving.webapp.settings import WebappSettings
from serving.webapp.users import create_user
from tests import factories
from tests.serving.reports import sample_ledger

PASSWORD = "correct horse battery"
OTHER = "Andere Klant B.V."
SETTINGS = WebappSettings(session_key="test-session-key", today=sample_ledger.AS_OF)


@pytest.fixture(autouse=True, scope="session")
def _cheap_hashes() -> Iterator[None]:
    """argon2's cheapest parameters: the production ones take ~0.8 s a hash on a busy CI core."""
    users.use_hasher(PasswordHasher.from_parameters(CHEAPEST))
    yield
    users.use_hasher(PasswordHasher())


REGISTRY = [
    models_view.Version("8", (), "refused: -1.2 % cash vs champion", 0, "run8"),
    models_view.Version("7", ("champion",), "passed: +3.4 % cash, complaints 0.8/1000", 0, "run7"),
]


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The MLflow registry as the Models page reads it (a real read takes seconds)."""
    monkeypatch.setattr(models_view, "registry_versions", lambda settings: REGISTRY)


@dataclass
class Tenants:
    creditor_id: int
    other_id: int

    @staticmethod
    def email(role: str, mine: bool = True) -> str:
        return f"{role}@{'bakkerij' if mine else 'andere'}.example"


def add_users(session: Session, creditor_id: int, mine: bool) -> None:
    for role in UserRole:
        create_user(
            session,
            creditor_id=creditor_id,
            email=Tenants.email(role.value, mine),
            name=f"{role.value.title()} {'B' if mine else 'A'}",
            role=role.value,
            password=PASSWORD,
            language="nl" if role != UserRole.CALL_AGENT else "en",
        )


CASE_OPENED = datetime(2026, 11, 24, 7, 0, tzinfo=sample_ledger.AMS)  # attempts 10:00, 16:30…


def _ledger(session: Session, name: str, mine: bool) -> int:
    sample = sample_ledger.build(session, name=name)
    creditor_id = sample.creditor.id
    assert creditor_id is not None
    add_users(session, creditor_id, mine)
    debtor = sample.debtors["D1"]
    debtor.phone = "+31612345678"
    key = f"case-{'mine' if mine else 'other'}"
    open_case(session, sample.creditor, debtor, ["2026-I1"], CASE_OPENED, key=key)
    return creditor_id


def build_tenants(session: Session) -> Tenants:
    mine = _ledger(session, sample_ledger.CREDITOR, True)
    other = _ledger(session, OTHER, False)
    session.commit()
    return Tenants(mine, other)


@pytest.fixture
def tenants(engine: Engine) -> Tenants:
    with Session(engine, expire_on_commit=False) as session:
        return build_tenants(session)


def webapp(engine: Engine, settings: WebappSettings = SETTINGS) -> FastAPI:
    return create_app(engine=engine, model_store=ModelStore(None), webapp_settings=settings)


def post_login(
    client: TestClient, email: str, password: str = PASSWORD, next: str = "/app"
) -> Response:
    """POST the log-in form with the session's CSRF token; the answer, unfollowed."""
    data = {"csrf": csrf_of(client, "/app/login"), "email": email, "password": password}
    return client.post("/app/login", data={**data, "next": next}, follow_redirects=False)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    answer = post_login(client, email, password)
    assert answer.status_code == 303, answer.text


def csrf_of(client: TestClient, path: str = "/app") -> str:
    page = client.get(path)
    return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def client(engine: Engine, tenants: Tenants) -> Iterator[TestClient]:
    with TestClient(webapp(engine)) as c:
        yield c


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=sample_ledger.AMS)  # a Tuesday, inside the window


def at_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's clock at 10:00 on the sample's day (the pinned day keeps the wall-clock time,
    which may lie outside the contact window)."""
    from serving.webapp.routes import debtors as debtor_routes

    monkeypatch.setattr(debtor_routes, "app_now", lambda user, settings: NOW)


def fresh_debtor(engine: Engine, creditor_id: int) -> int:
    """A B2B debtor with one invoice 20 days overdue and no contact yet."""
    with Session(engine) as session:
        creditor = session.get(Creditor, creditor_id)
        assert creditor is not None
        debtor = factories.debtor(session, creditor, name="Nieuwe Klant B.V.", kind="b2b")
        factories.invoice(
            session, debtor, number="2026-N1", issue_date=date(2026, 10, 5),
            due_date=date(2026, 11, 4), amount_cents=45_000,
        )  # fmt: skip
        session.commit()
        assert debtor.id is not None
        return debtor.id
