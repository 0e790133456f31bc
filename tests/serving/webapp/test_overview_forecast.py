"""The Overview's reminders next week: what is planned plus what the policy is expected to plan
(the ladder without a model; the served model when the API has one loaded), per channel."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from serving.api.app import create_app
from serving.api.model_store import LoadedModel, ModelStore
from tests.serving.api.tiny_policy import tiny_policy
from tests.serving.webapp.conftest import SETTINGS, Tenants, log_in


def _rows(page: str) -> list[tuple[str, ...]]:
    body = page.split('id="next-week-rows">', 1)[1].split("</tbody>", 1)[0]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]
    return [tuple(c) for c in cells]


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


@pytest.fixture
def learned(engine: Engine, tenants: Tenants) -> Iterator[TestClient]:
    store = ModelStore(lambda: LoadedModel("test/1", tiny_policy()))
    app = create_app(engine=engine, model_store=store, webapp_settings=SETTINGS)
    with TestClient(app) as c:
        yield c


def test_the_served_models_forecast(learned: TestClient) -> None:
    log_in(learned, Tenants.email("finance"))
    page = learned.get("/app").text
    assert "wat het beleid (model test/1) bij 5 dagelijkse rondes zou versturen" in page
    rows = _rows(page)
    total = sum(int(planned) + int(expected) for _, planned, expected, _ in rows)
    assert f'<div class="figure" id="next-week">{total}</div>' in page
    assert sum(int(planned) for _, planned, _, _ in rows) == 4  # the planned ones stay
