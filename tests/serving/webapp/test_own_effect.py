"""The Models page: the gate's checks with their figures, and the flow's effect measured on the
creditor's own logged decisions (off-policy), worked out by hand on a small log."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Creditor, Payment, Recommendation
from serving.webapp import models_view
from serving.webapp.own_effect import own_effect
from tests import factories
from tests.serving.reports import sample_ledger
from tests.serving.webapp.conftest import REGISTRY, Tenants, log_in

CHECKS = (
    models_view.GateCheck(
        "ope_dr", True, "DR gain >= 0 with ESS >= 200", {"gain": 1.25, "ess": 412}
    ),
    models_view.GateCheck(
        "complaints", False, "complaints not above the champion's", {"rate": 0.9}
    ),
)


@pytest.fixture(autouse=True)
def _registry_with_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A champion whose verdict has checks; the page's registry cache is emptied around it (the
    other tests' registry must not leak in or out)."""
    champion = models_view.Version("7", ("champion",), "promoted", 0, "run7", CHECKS)
    monkeypatch.setattr(models_view, "registry_versions", lambda s: [REGISTRY[0], champion])
    models_view._CACHE.clear()
    yield
    models_view._CACHE.clear()


def _log(engine: Engine, creditor_id: int, *, scored: bool = True) -> None:
    """80 decisions, one per new debtor, every one explored (propensity 0.5): even ones e-mail
    (cost € 0,10; every other one paid € 100 within a week), odd ones waited (every fourth paid
    € 100). Rewards in cents: contacts 40 × (½ × 10,000) − 40 × 10 = 199,600, waits 100,000."""
    with Session(engine) as session:
        creditor = session.get(Creditor, creditor_id)
        assert creditor is not None
        for i in range(80):
            debtor = factories.debtor(session, creditor, name=f"Log {i}", kind="b2b")
            at = datetime(2026, 10, 1, 9, 0, tzinfo=UTC) + timedelta(days=i % 20)
            contact = i % 2 == 0
            paid = (i % 4 == 0) if contact else (i % 8 == 1)
            other = {
                "action": {"channel": None if contact else "email"},
                "expected_value_cents": 50,
            }
            body = {"action": {"cost_cents": 10 if contact else 0}, "expected_value_cents": 100,
                    "alternatives": [other] if scored else []}  # fmt: skip
            session.add(
                Recommendation(
                    id=f"log-{creditor_id}-{i}", creditor_id=creditor_id, debtor_id=debtor.id,
                    created_at=at, model_version="dunning-policy/7",
                    channel="email" if contact else None, tone="neutral" if contact else None,
                    stage="reminder", send_at=at if contact else None, expected_value_cents=100,
                    p_pay=0.5, propensity=0.5, degraded=False, body=body,
                )
            )  # fmt: skip
            if paid:
                session.add(
                    Payment(creditor_id=creditor_id, debtor_id=debtor.id, amount_cents=10_000,
                            paid_on=at.date() + timedelta(days=5), external_ref=f"LOG-{i}")
                )  # fmt: skip
        session.commit()


def test_the_flows_effect_on_the_creditors_own_log(engine: Engine, tenants: Tenants) -> None:
    _log(engine, tenants.creditor_id)
    with Session(engine) as session:
        e = own_effect(session, tenants.creditor_id, sample_ledger.AS_OF)
    # the sample's own learned decision (24 November) is left out: its 14 days have not passed
    assert (e.decisions, e.explored) == (80, 80)
    assert e.flow is not None
    assert e.waiting is not None
    assert e.gain_vs_waiting is not None
    # waiting: IPS = Σ 2·r over the waits / 80 = 200,000 / 80; SNIPS = 200,000 / (2 × 40)
    assert e.waiting["ips"].value == pytest.approx(2_500)
    assert e.waiting["snips"].value == pytest.approx(2_500)
    assert e.flow.value == pytest.approx((199_600 + 100_000) / 80)
    # the gain is paired per decision: the flow's mean minus waiting's doubly-robust value
    assert e.gain_vs_waiting.value == pytest.approx(e.flow.value - e.waiting["dr"].value)
    assert e.waiting["ips"].effective_sample_size == pytest.approx(40)


def test_an_unscored_log_judges_waiting_but_not_the_greedy_flow(
    engine: Engine, tenants: Tenants
) -> None:
    """An exploring ladder logs no alternatives: which action it scored highest is unknown."""
    _log(engine, tenants.creditor_id, scored=False)
    with Session(engine) as session:
        e = own_effect(session, tenants.creditor_id, sample_ledger.AS_OF)
    assert e.greedy is None
    assert e.waiting is not None
    assert e.waiting["snips"].value == pytest.approx(2_500)


def test_the_models_page_shows_checks_and_the_effect(
    client: TestClient, engine: Engine, tenants: Tenants
) -> None:
    log_in(client, Tenants.email("finance"))
    before = client.get("/app/models").text
    assert "Nog niet gemeten: 0 beslissingen" in before
    assert "✓ <strong>ope_dr</strong>: DR gain &gt;= 0 with ESS &gt;= 200" in before
    assert "(gain 1.25, ess 412)" in before
    assert "✗ <strong>complaints</strong>" in before
    _log(engine, tenants.creditor_id)
    models_view._CACHE.clear()
    page = client.get("/app/models").text
    assert "Off-policy geschat uit uw 80 vastgelegde beslissingen van de flow" in page
    assert "Beslist door dunning-policy/7, van 1 oktober 2026 tot 20 oktober 2026." in page
    assert "geen cijfers uit de simulator" in page
    assert "De flow zoals hij liep tegenover wachten:" in page
    assert "€ 25,00" in page  # waiting, SNIPS: € 100 × ¼
    assert "€ 37,45" in page  # the flow as it ran: (199,600 + 100,000) / 80 cents
