"""The API only does I/O: its answers are :func:`policy.decision_path.decide_for`'s for the same
states, features and model (action, propensity, alternatives, explanation, refusals)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from policy import states_from_ledger
from policy.decision_path import Answer, Pinned, decide_for
from policy.pyfunc import DunningPolicy
from serving.api.snapshots import FeatureSnapshots
from tests.serving.api.conftest import AT, MODEL_VERSION, World

SEED = 7  # make_app's ApiSettings(seed=7)


def _brief(a: Answer) -> dict[str, Any]:
    return {
        "channel": a.action.channel,
        "tone": None if a.action.is_wait else a.action.tone,
        "send_at": None if a.action.is_wait else a.action.send_at,
        "propensity": a.propensity,
        "model_version": a.model_version,
        "alternatives": [
            (alt.action.channel, round(alt.value_cents), alt.p_pay) for alt in a.alternatives
        ],
        "reasons": [r.feature for r in a.reasons],
        "refusals": {r.channel: list(r.reasons) for r in a.refusals},
    }


def _from_api(rec: dict[str, Any]) -> dict[str, Any]:
    act = rec["action"]
    return {
        "channel": act["channel"],
        "tone": act["tone"],
        "send_at": None if act["send_at"] is None else datetime.fromisoformat(act["send_at"]),
        "propensity": rec["propensity"],
        "model_version": rec["model_version"],
        "alternatives": [
            (a["action"]["channel"], a["expected_value_cents"], a["p_pay"])
            for a in rec["alternatives"]
        ],
        "reasons": [r["feature"] for r in rec["explanation"]["reasons"]],
        "refusals": {r["channel"]: r["reasons"] for r in rec["refusals"]},
    }


@pytest.mark.parametrize("mode", ["ladder", "learned"])
def test_api_answers_are_the_decision_paths(
    mode: str,
    request: pytest.FixtureRequest,
    world: World,
    engine: Engine,
    policy: DunningPolicy,
) -> None:
    client: TestClient = request.getfixturevalue(f"{mode}_client")
    ids = world.debtor_ids()
    resp = client.post(
        "/v1/recommendations", json={"debtor_ids": ids, "at": AT}, headers=world.headers_a
    )
    assert resp.status_code == 200, resp.text
    api = {r["debtor_id"]: _from_api(r) for r in resp.json()["recommendations"]}

    now = datetime.fromisoformat(AT)
    creditor = world.a.creditor
    assert creditor.id is not None
    pinned = Pinned(policy, MODEL_VERSION) if mode == "learned" else None
    base = None
    if pinned is not None:
        assert policy.models is not None
        base = FeatureSnapshots(engine).encoded(
            creditor.id, creditor.name, ids, now, policy.models, MODEL_VERSION
        )
    with Session(engine) as session:
        states = states_from_ledger(session, ids, now)
    answers = decide_for(
        {i: states[i] for i in ids},
        now,
        pinned,
        base=base,
        day=now.astimezone(ZoneInfo(creditor.timezone)).date(),
        seed=SEED,
        lang=creditor.language,
    )
    direct = {a.debtor_id: _brief(a) for a in answers}
    assert direct == api
    if mode == "learned":
        assert any(a.propensity < 1.0 for a in answers)
