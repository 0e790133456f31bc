"""``POST /v1/recommendations`` and ``GET /v1/recommendations/{id}``: the ladder when no model is
loaded, the learned policy when one is; stored answers read back identically; only allowed
actions; the request's limits each answered with a 422 naming the field."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Recommendation
from policy import Action, allowed_actions, check, state_from_ledger
from tests.serving.api.conftest import AT, MODEL_VERSION, World

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime.fromisoformat(AT)


def _post(client: TestClient, world: World, ids: list[int], **extra: Any) -> Any:
    return client.post(
        "/v1/recommendations", json={"debtor_ids": ids, "at": AT, **extra}, headers=world.headers_a
    )


def _matching_action(engine: Engine, debtor_id: int, out: dict[str, Any]) -> Action:
    """The allowed action the answer describes, re-checked with the rules."""
    with Session(engine) as session:
        state = state_from_ledger(session, debtor_id, NOW)
    options = allowed_actions(state, NOW)
    if out["channel"] is None:
        hits = [a for a in options if a.is_wait]
    else:
        send_at = datetime.fromisoformat(out["send_at"])
        hits = [
            a
            for a in options
            if not a.is_wait
            and (a.channel, a.tone, a.stage, a.send_at)
            == (out["channel"], out["tone"], out["stage"], send_at)
        ]
    assert hits, f"{out} is not among the allowed actions"
    assert check(hits[0], state).ok
    return hits[0]


def _assert_in_creditor_zone(action: dict[str, Any]) -> None:
    if action["send_at"] is not None:
        send_at = datetime.fromisoformat(action["send_at"])
        assert send_at.utcoffset() == send_at.astimezone(AMS).utcoffset()
        assert action["send_at"].endswith("+01:00")  # CET in November


def test_ladder_answers_when_no_model_is_loaded(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    ids = world.debtor_ids()
    resp = _post(ladder_client, world, ids)
    assert resp.status_code == 200, resp.text
    recs = resp.json()["recommendations"]
    assert [r["debtor_id"] for r in recs] == ids
    for rec in recs:
        assert rec["degraded"] is True
        assert rec["model_version"] == "ladder"
        assert rec["propensity"] == 1.0
        assert rec["p_pay"] is None
        assert rec["alternatives"] == []
        assert rec["explanation"]["reasons"][0]["text"]
        _assert_in_creditor_zone(rec["action"])
        _matching_action(engine, rec["debtor_id"], rec["action"])
    assert ladder_client.get("/readyz").json()["status"] == "degraded"


def test_learned_answers_carry_values_propensities_and_explanations(
    learned_client: TestClient, world: World, engine: Engine
) -> None:
    ids = world.debtor_ids()
    resp = _post(learned_client, world, ids)
    assert resp.status_code == 200, resp.text
    recs = resp.json()["recommendations"]
    assert [r["debtor_id"] for r in recs] == ids
    acting = 0
    for rec in recs:
        assert rec["degraded"] is False
        assert rec["model_version"] == MODEL_VERSION
        assert 0.0 < rec["propensity"] <= 1.0
        assert 0.0 <= rec["p_pay"] <= 1.0
        alts = rec["alternatives"]
        assert len(alts) <= 3
        values = [a["expected_value_cents"] for a in alts]
        assert values == sorted(values, reverse=True)
        explanation = rec["explanation"]
        assert explanation["shap"], "raw SHAP values"
        assert explanation["base_value"] is not None
        assert 1 <= len(explanation["reasons"]) <= 3
        for reason in explanation["reasons"]:
            assert reason["text"]
            assert reason["feature"] in explanation["shap"]
            assert reason["contribution"] == pytest.approx(explanation["shap"][reason["feature"]])
        _assert_in_creditor_zone(rec["action"])
        _matching_action(engine, rec["debtor_id"], rec["action"])
        for alt in alts:
            _assert_in_creditor_zone(alt["action"])
            _matching_action(engine, rec["debtor_id"], alt["action"])
        acting += rec["action"]["channel"] is not None
        if alts:
            assert explanation["versus_runner_up"]
    assert acting >= 1, "some debtor of the sample must be worth contacting"


@pytest.mark.parametrize("mode", ["ladder", "learned"])
def test_every_answer_is_stored_and_read_back_identically(
    mode: str, request: pytest.FixtureRequest, world: World, engine: Engine
) -> None:
    client: TestClient = request.getfixturevalue(f"{mode}_client")
    recs = _post(client, world, world.debtor_ids()).json()["recommendations"]
    ids = {r["id"] for r in recs}
    with Session(engine) as session:
        rows = session.exec(select(Recommendation).where(Recommendation.id.in_(ids))).all()  # type: ignore[attr-defined]
    assert len(rows) == len(recs)
    for rec in recs:
        got = client.get(f"/v1/recommendations/{rec['id']}", headers=world.headers_a)
        assert got.status_code == 200
        assert got.json() == rec
    by_id = {r.id: r for r in rows}
    for rec in recs:
        row = by_id[rec["id"]]
        assert row.model_version == rec["model_version"]
        assert row.propensity == rec["propensity"]
        assert row.channel == rec["action"]["channel"]


@pytest.mark.parametrize("mode", ["ladder", "learned"])
def test_a_brief_answer_leaves_out_what_is_stored_for_later(
    mode: str, request: pytest.FixtureRequest, world: World
) -> None:
    client: TestClient = request.getfixturevalue(f"{mode}_client")
    recs = _post(client, world, world.debtor_ids(), detail="brief").json()["recommendations"]
    assert recs
    for rec in recs:
        assert set(rec) >= {"id", "debtor_id", "action", "propensity", "model_version"}
        assert not set(rec) & {"alternatives", "explanation", "refusals"}
        full = client.get(f"/v1/recommendations/{rec['id']}", headers=world.headers_a).json()
        assert full["explanation"]["reasons"], "the stored answer keeps its explanation"
        assert {k: full[k] for k in rec} == rec


def test_asked_again_the_same_day_a_debtor_gets_the_same_answer(
    learned_client: TestClient, world: World
) -> None:
    """The exploration draw is keyed by debtor, day and model, not taken from a stream: a re-run
    cycle must not give a waiting debtor a second chance of a contact (its logged propensity would
    understate the real one)."""
    ids = world.debtor_ids()

    def answers(batch: list[int]) -> dict[int, tuple[Any, ...]]:
        recs = _post(learned_client, world, batch).json()["recommendations"]
        return {
            r["debtor_id"]: (r["action"]["channel"], r["action"]["tone"], r["propensity"])
            for r in recs
        }

    first = answers(ids)
    again = {**answers(ids[1::2]), **answers(ids[::2])}
    assert again == first
    assert any(p < 1.0 for _, _, p in first.values()), "exploration must still happen"


def test_unknown_recommendation_is_a_404_naming_the_path(
    ladder_client: TestClient, world: World
) -> None:
    resp = ladder_client.get("/v1/recommendations/nope", headers=world.headers_a)
    assert resp.status_code == 404
    assert resp.json()["detail"][0]["field"] == "path.recommendation_id"


def test_at_most_1000_debtors_per_call(ladder_client: TestClient, world: World) -> None:
    resp = _post(ladder_client, world, list(range(1, 1002)))
    assert resp.status_code == 422
    (problem,) = resp.json()["detail"]
    assert problem["field"] == "body.debtor_ids"
    assert "1000" in problem["problem"]


def test_a_smaller_configured_limit_is_named(engine: Engine, world: World) -> None:
    from serving.api.model_store import ModelStore
    from tests.serving.api.conftest import make_app

    with TestClient(make_app(engine, ModelStore(None), max_debtors_per_call=2)) as client:
        resp = _post(client, world, world.debtor_ids()[:3])
    assert resp.status_code == 422
    assert resp.json()["detail"] == [{"field": "body.debtor_ids", "problem": "at most 2 per call"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"debtor_ids": []}, "body.debtor_ids"),
        ({"debtor_ids": [0]}, "body.debtor_ids.0"),
        ({"debtor_ids": ["x"]}, "body.debtor_ids.0"),
        ({"debtor_ids": [1], "at": "yesterday"}, "body.at"),
        ({"debtor_ids": [1], "colour": "red"}, "body.colour"),
        ({}, "body.debtor_ids"),
        ({"debtor_ids": [1], "detail": "everything"}, "body.detail"),
    ],
)
def test_invalid_requests_name_the_field(
    ladder_client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    resp = ladder_client.post("/v1/recommendations", json=body, headers=world.headers_a)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == field
    assert resp.json()["detail"][0]["problem"]


def test_duplicate_ids_are_refused(ladder_client: TestClient, world: World) -> None:
    one = world.debtor_ids()[0]
    resp = _post(ladder_client, world, [one, one])
    assert resp.status_code == 422
    assert resp.json()["detail"] == [
        {"field": "body.debtor_ids", "problem": "debtor ids must be unique"}
    ]


def test_a_naive_decision_time_is_refused(ladder_client: TestClient, world: World) -> None:
    resp = _post(ladder_client, world, world.debtor_ids()[:1], at="2026-11-24T09:00:00")
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "body.at"


def test_unknown_debtor_is_a_404_naming_its_position(
    ladder_client: TestClient, world: World
) -> None:
    resp = _post(ladder_client, world, [world.debtor_ids()[0], 987_654])
    assert resp.status_code == 404
    assert resp.json()["detail"] == [{"field": "body.debtor_ids.1", "problem": "no debtor 987654"}]


def test_recommendations_are_counted_by_channel(learned_client: TestClient, world: World) -> None:
    _post(learned_client, world, world.debtor_ids())
    text = learned_client.get("/metrics").text
    assert "dunflow_recommendations_total{" in text
    assert f'dunflow_model_info{{mode="model",version="{MODEL_VERSION}"}} 1.0' in text
