"""The plan-logging policy served end to end: the API answers through ``decide_for`` with each
debtor's segment plan or a neighbour, logging the exact propensity of what it chose and the plans
it chose among; two creditors' segments keep their own plans; a debtor whose segment states no
plan gets the ladder; the checkpoint rows it writes are what the plan learner reads."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.plans import ARM_LABELS
from ledger.tables import Debtor, Recommendation, Segment
from policy.decision_path import LADDER_VERSION
from policy.plan_choice import Evidence
from policy.plan_logging import PlanLoggingPolicy
from serving.api.model_store import LoadedModel, ModelStore
from tests.serving.api.conftest import AT, World, make_app
from training.plan_ledger import ledger_checkpoints

VERSION = "dunning-policy/logging-1"
EPS = 0.5  # high, so that a handful of debtors shows both kinds of choice
ESCALATION = "letter/firm/14d"
# anchored as the learner is: on the escalation plan once the ledger shows a broken promise
EVIDENCE = Evidence("hist_n_promises_broken", 1.0, then=ARM_LABELS.index(ESCALATION))
POLICY = PlanLoggingPolicy(EPS, ESCALATION, ("email/firm/14d",), EVIDENCE)
PLANS = {"a": "email/neutral/7d", "b": "email/friendly/10d"}  # each creditor's "zakelijk"
IN_SEGMENT = ("D1", "D3", "D5")  # the sample's businesses; D2 and D4 are in no segment


@pytest.fixture
def logging_client(engine: Engine, world: World) -> Iterator[TestClient]:
    with Session(engine) as s:
        for which, sample in (("a", world.a), ("b", world.b)):
            segment = Segment(creditor_id=sample.creditor.id or 0, name="zakelijk",
                              plan=PLANS[which])  # fmt: skip
            s.add(segment)
            s.flush()
            for key in IN_SEGMENT:
                debtor = s.get(Debtor, sample.debtors[key].id)
                assert debtor is not None
                debtor.segment_id = segment.id
                s.add(debtor)
        s.commit()
    store = ModelStore(lambda: LoadedModel(VERSION, POLICY))
    with TestClient(make_app(engine, store)) as c:
        yield c


def _ask(client: TestClient, world: World, which: str, at: str) -> list[dict[str, Any]]:
    key = world.key_a if which == "a" else world.key_b
    resp = client.post("/v1/recommendations", json={"debtor_ids": world.debtor_ids(which),
                       "at": at}, headers={"X-API-Key": key})  # fmt: skip
    assert resp.status_code == 200, resp.text
    recs: list[dict[str, Any]] = resp.json()["recommendations"]
    return recs


def _chance(label: str, anchor: str, available: list[str]) -> float:
    """What the module's docstring promises, computed from the logged plans chosen among."""
    if anchor not in available:
        return 1 / len(available)
    return 1 - EPS if label == anchor else EPS / (len(available) - 1)


def test_the_plan_logging_policy_logs_exact_chances_per_creditor_and_the_learner_reads_them(
    logging_client: TestClient, world: World, engine: Engine
) -> None:
    answers: dict[int, dict[str, Any]] = {}
    chosen: list[tuple[dict[str, Any], str]] = []
    for which, sample in (("a", world.a), ("b", world.b)):
        segment_ids = {sample.debtors[k].id for k in IN_SEGMENT}
        stated = PLANS[which]
        own = {POLICY.stated_arm(stated)}  # the plans it may log: around either anchor
        for anchor in (stated, ESCALATION):
            own |= set(POLICY.neighbours(POLICY.stated_arm(anchor))) | {POLICY.stated_arm(anchor)}
        for r in _ask(logging_client, world, which, AT):
            answers[r["debtor_id"]] = r
            if r["debtor_id"] not in segment_ids:  # no stated plan: the ladder, no plan logged
                assert r["model_version"] == LADDER_VERSION
                assert r["plan"] is None
                continue
            plan = r["plan"]
            assert r["model_version"] == VERSION
            assert not r["degraded"]
            assert plan["checkpoint"]  # nothing was in force yet
            # its own creditor's segment plan and that plan's neighbours, never the other's
            assert set(plan["available"]) <= {ARM_LABELS[k] for k in own}
            assert plan["label"] in plan["available"]
            chosen.append((r, stated))  # its chance is checked below, against its state
            assert r["propensity"] == pytest.approx(plan["propensity"])
            assert plan["value_eur"] is None  # no model: no value is claimed
    assert PLANS["a"] in answers[world.a.debtors["D1"].id or 0]["plan"]["available"]
    assert PLANS["b"] not in answers[world.a.debtors["D1"].id or 0]["plan"]["available"]

    # the next day the plans chosen stay in force between checkpoints (probability 1 today)
    later = (datetime.fromisoformat(AT) + timedelta(days=1)).isoformat()
    nxt = [r for r in _ask(logging_client, world, "a", later) if r["plan"] is not None]
    kept = [r for r in nxt if not r["plan"]["checkpoint"]]
    assert kept  # the overdue businesses neither paid nor changed stage overnight
    for r in kept:
        assert r["plan"]["label"] == answers[r["debtor_id"]]["plan"]["label"]
        assert r["propensity"] == 1.0

    # the plan learner's reader takes the API's checkpoint rows as the checkpoint log
    with Session(engine) as s:
        logged = [
            rec
            for rec in s.exec(select(Recommendation).where(Recommendation.model_version == VERSION))
            if rec.body["plan"]["checkpoint"]
        ]
    data = ledger_checkpoints(engine)
    assert len(data.log.arm[0]) == len(logged)
    # each first-day choice's chance, its anchor read from the plan state the learner reads:
    # the escalation plan after a broken promise, else the segment's plan
    first = data.log.day[0] == 0
    state = data.log.states[0][first]
    broken = dict(zip(data.debtor_ids[data.log.debtor[0][first]].tolist(),
                      state["hist_n_promises_broken"].tolist(), strict=True))  # fmt: skip
    print("BROKEN", broken)
    for r, stated in chosen:
        plan = r["plan"]
        anchor = ESCALATION if broken[r["debtor_id"]] >= 1 else stated
        assert plan["propensity"] == pytest.approx(
            _chance(plan["label"], anchor, plan["available"])
        )
        reason = r["explanation"]["reasons"][0]["text"]
        if plan["label"] == anchor != stated:
            assert "escalatieplan na een gebroken belofte" in reason
        else:
            assert ("het plan van het segment" if plan["label"] == stated
                    else f"naast het segmentplan {anchor}") in reason  # fmt: skip
    by_debtor = {int(d): i for i, d in enumerate(data.debtor_ids)}
    for rec in logged:
        i = [j for j, d in enumerate(data.log.debtor[0]) if d == by_debtor[rec.debtor_id]]
        arms = {ARM_LABELS[int(data.log.arm[0][j])] for j in i}
        assert rec.body["plan"]["label"] in arms
        props = {round(float(data.log.propensity[0][j]), 9) for j in i}
        assert round(rec.body["plan"]["propensity"], 9) in props
        # the plans it chose among are the log's available arms
        for j in i:
            if ARM_LABELS[int(data.log.arm[0][j])] == rec.body["plan"]["label"]:
                names = {ARM_LABELS[k] for k in data.log.available[0][j].nonzero()[0]}
                assert names == set(rec.body["plan"]["available"])
