"""The Overview's reminders next week: what is planned plus what the policy is expected to plan
(the ladder without a model; the served model when the API has one loaded, a per-day model or a
plan champion), per channel; the e-mailed digest forecasts with the same policy and shows the
same rows."""

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Creditor
from policy.plan_logging import PlanLoggingPolicy
from serving.api.app import create_app
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.snapshots import FeatureSnapshots
from serving.reports.served_policy import forecast_policy
from serving.reports.settings import ReportsSettings
from serving.scheduler.digests import send_due_digests
from tests import mail
from tests.serving.api.tiny_plan_policy import tiny_plan_policy
from tests.serving.api.tiny_policy import tiny_policy
from tests.serving.reports import sample_ledger
from tests.serving.webapp.conftest import SETTINGS, Tenants, log_in

PLAN_VERSION = "dunning-policy/plan-1"


def _rows(page: str, start: str = 'id="next-week-rows">') -> list[tuple[str, ...]]:
    body = page.split(start, 1)[1].split("</tbody>", 1)[0]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]
    return [tuple(c) for c in cells]


def _figures(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Planned, expected and cost per row (the channel's label differs between the pages)."""
    return [r[1:] for r in rows]


def test_the_ladders_forecast_beside_what_is_planned(client: TestClient) -> None:
    log_in(client, Tenants.email("finance"))
    page = client.get("/app").text
    # planned: e-mail 2, letter 1, SMS 1; expected: M. Visser's final reminder on 30 November
    assert _rows(page) == [
        ("e-mail", "2", "1", "€ 0,00"),
        ("brief", "1", "0", "€ 1,50"),
        ("sms", "1", "0", "€ 0,20"),
    ]
    assert '<div class="figure" id="next-week">5</div>' in page
    assert "wat de vaste ladder bij 5 dagelijkse rondes zou versturen" in page


def _served(engine: Engine, loaded: LoadedModel) -> Iterator[TestClient]:
    app = create_app(
        engine=engine, model_store=ModelStore(lambda: loaded), webapp_settings=SETTINGS
    )
    with TestClient(app) as c:
        yield c


@pytest.fixture
def learned(engine: Engine, tenants: Tenants) -> Iterator[TestClient]:
    yield from _served(engine, LoadedModel("test/1", tiny_policy()))


@pytest.fixture(scope="module")
def plan_champion() -> LoadedModel:
    return LoadedModel(PLAN_VERSION, tiny_plan_policy())


@pytest.fixture
def plan_served(
    engine: Engine, tenants: Tenants, plan_champion: LoadedModel
) -> Iterator[TestClient]:
    yield from _served(engine, plan_champion)


def test_the_served_models_forecast(learned: TestClient) -> None:
    log_in(learned, Tenants.email("finance"))
    page = learned.get("/app").text
    assert "wat het beleid (model test/1) bij 5 dagelijkse rondes zou versturen" in page
    rows = _rows(page)
    total = sum(int(planned) + int(expected) for _, planned, expected, _ in rows)
    assert f'<div class="figure" id="next-week">{total}</div>' in page
    assert sum(int(planned) for _, planned, _, _ in rows) == 4  # the planned ones stay


def test_a_plan_champions_forecast(plan_served: TestClient) -> None:
    log_in(plan_served, Tenants.email("finance"))
    page = plan_served.get("/app").text
    method = page.split('id="next-week-method">', 1)[1].split("</p>", 1)[0]
    assert method.startswith(f"Verwacht: wat het beleid (model {PLAN_VERSION}) bij 5 dagelijkse")
    rows = _rows(page)
    assert sum(int(planned) for _, planned, _, _ in rows) == 4  # the planned ones stay
    total = sum(int(planned) + int(expected) for _, planned, expected, _ in rows)
    assert f'<div class="figure" id="next-week">{total}</div>' in page


def test_the_plan_logging_champions_forecast_needs_no_model(
    engine: Engine, tenants: Tenants
) -> None:
    # no segment states a plan in this ledger: every debtor keeps the ladder under it
    logging = LoadedModel("dunning-policy/logging-1", PlanLoggingPolicy(0.2))
    for client in _served(engine, logging):
        log_in(client, Tenants.email("finance"))
        page = client.get("/app").text
        assert "(model dunning-policy/logging-1) bij 5 dagelijkse" in page
        rows = _rows(page)
        assert sum(int(planned) for _, planned, _, _ in rows) == 4  # the planned ones stay


@dataclass
class Smtp:
    smtp_port: int
    smtp_host: str = "127.0.0.1"
    smtp_from: str = "digest@dunflow.test"


def test_the_mailed_digest_forecasts_with_the_overviews_policy(
    engine: Engine, plan_served: TestClient, plan_champion: LoadedModel, tenants: Tenants
) -> None:
    log_in(plan_served, Tenants.email("finance"))
    overview = _rows(plan_served.get("/app").text)
    with Session(engine) as session:
        creditor = session.get(Creditor, tenants.creditor_id)
        assert creditor is not None
        creditor.digest_recipients = ["ar@bakkerij.nl"]
        creditor.digest_weekday, creditor.digest_minute = 1, 9 * 60  # Tuesday 09:00
        session.add(creditor)
        session.commit()
    snapshots = FeatureSnapshots(engine)

    def champion(_: Engine, creditor_id: int, name: str):  # type: ignore[no-untyped-def]
        return forecast_policy(plan_champion, snapshots, creditor_id, name)

    at = datetime(2026, 11, 24, 9, 5, tzinfo=sample_ledger.AMS)  # the sample's day
    with mail.inbox() as (port, got):
        assert send_due_digests(engine, at, Smtp(port), ReportsSettings(), champion) == 1
    (message,) = got
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    html = next(p for p in parsed.walk() if p.get_content_type() == "text/html")
    text = html.get_content()  # type: ignore[attr-defined]
    assert f"Verwacht: wat het beleid (model {PLAN_VERSION})" in text
    section = text.split('id="next-week"', 1)[1]
    mailed = [r for r in _rows(section, "<tbody>") if not r[0].startswith("Totaal")]
    assert _figures(mailed) == _figures(overview)
