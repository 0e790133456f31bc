"""A plan champion served end to end: the API answers through ``decide_for`` with a plan per
checkpoint (its exact propensity logged), keeps the plan in force between checkpoints
(propensity 1, the same plan), gives the same answer when asked twice on one day, and explains a
choice against waiting and the runner-up in euros in the creditor's language."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import serving.api.recommender as recommender
from ledger.enums import OutcomeKind
from ledger.tables import Outcome, Recommendation
from policy.plan_pyfunc import PlanDunningPolicy
from serving.api.model_store import LoadedModel, ModelStore
from tests.serving.api.conftest import AT, World, make_app
from tests.serving.api.tiny_plan_policy import tiny_plan_policy

VERSION = "dunning-policy/plan-1"


@pytest.fixture(scope="module")
def plan_policy() -> PlanDunningPolicy:
    return tiny_plan_policy()


@pytest.fixture
def plan_client(
    engine: Engine, world: World, plan_policy: PlanDunningPolicy, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, list[int]]]:
    calls: list[int] = []
    real = recommender.decide_for

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(recommender, "decide_for", spy)
    store = ModelStore(lambda: LoadedModel(VERSION, plan_policy))
    with TestClient(make_app(engine, store)) as c:
        yield c, calls


def _ask(client: TestClient, world: World, at: str) -> list[dict[str, Any]]:
    resp = client.post(
        "/v1/recommendations",
        json={"debtor_ids": world.debtor_ids(), "at": at},
        headers=world.headers_a,
    )
    assert resp.status_code == 200, resp.text
    recs: list[dict[str, Any]] = resp.json()["recommendations"]
    return recs


def test_a_plan_champion_is_served_through_decide_for(
    plan_client: tuple[TestClient, list[int]], world: World, engine: Engine
) -> None:
    client, calls = plan_client
    first = _ask(client, world, AT)
    assert calls == [len(world.debtor_ids())]  # one batch, through the one decision path
    assert all(r["model_version"] == VERSION and not r["degraded"] for r in first)
    chosen = [r for r in first if r["plan"]["checkpoint"]]
    assert len(chosen) == len(first)  # nothing was in force yet: every debtor is at a checkpoint
    for r in chosen:
        plan = r["plan"]
        assert r["propensity"] == pytest.approx(plan["propensity"])
        assert 0.3 / 3 - 1e-9 <= plan["propensity"] <= 1.0  # the floor of top-3 exploration
        text = r["explanation"]["reasons"][0]["text"]
        # the creditor speaks Dutch: the chosen plan against waiting (and the runner-up), in euros
        assert "tegenover" in text
        assert "€" in text
        assert "€-" not in text
        assert "-€" not in text
    with Session(engine) as s:
        stored = s.exec(select(Recommendation).where(Recommendation.model_version == VERSION)).all()
    assert {r.id for r in stored} == {r["id"] for r in first}
    assert all(r.body["plan"]["label"] for r in stored)

    again = _ask(client, world, AT)  # asked twice on one day: the keyed draw repeats the choice
    assert [r["plan"]["label"] for r in again] == [r["plan"]["label"] for r in first]

    later = (datetime.fromisoformat(AT) + timedelta(days=1)).isoformat()
    nxt = _ask(client, world, later)
    kept = [(a, b) for a, b in zip(first, nxt, strict=True) if not b["plan"]["checkpoint"]]
    assert kept  # the sample's debtors neither paid nor changed stage overnight: plans run on
    for before, after in kept:
        assert after["plan"]["label"] == before["plan"]["label"]
        assert after["plan"]["propensity"] == pytest.approx(before["plan"]["propensity"])
        assert after["propensity"] == 1.0  # the plan in force decides today
        action = after["action"]
        if action["channel"] is not None:  # a contact today is the plan's own channel
            assert after["plan"]["label"].startswith(action["channel"])


def test_an_outcome_since_the_choice_makes_a_checkpoint_for_that_debtor_only(
    plan_client: tuple[TestClient, list[int]], world: World, engine: Engine
) -> None:
    client, _ = plan_client
    first = _ask(client, world, AT)
    later = datetime.fromisoformat(AT) + timedelta(days=1)
    quiet = _ask(client, world, later.isoformat())
    kept = [b["debtor_id"] for b in quiet if not b["plan"]["checkpoint"]]
    assert kept  # without an outcome these plans run on overnight
    complained = kept[0]
    with Session(engine) as s:
        s.add(
            Outcome(
                creditor_id=world.a.creditor.id or 0,
                debtor_id=complained,
                kind=OutcomeKind.COMPLAINT.value,
                occurred_at=datetime.fromisoformat(AT) + timedelta(hours=2),
            )
        )
        s.commit()
    # the same day again: the complaint since the plan was chosen calls for a second look at
    # that debtor's plan; the other debtors' plans stay in force
    again = {r["debtor_id"]: r for r in _ask(client, world, later.isoformat())}
    assert again[complained]["plan"]["checkpoint"]
    assert all(not again[d]["plan"]["checkpoint"] for d in kept[1:])
    assert len(first) == len(again)
