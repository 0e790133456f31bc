"""Segments through the API: create, change (audited), assign by rule and by hand; the
learned policy's answers then stay inside the segment's channels and tones; an excluded one
waits."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Debtor, DossierEvent
from tests.serving.api.conftest import AT, World


def test_segments_bound_what_the_learned_policy_recommends(
    learned_client: TestClient, world: World, engine: Engine
) -> None:
    h = world.headers_a
    d1, d5 = int(world.a.debtors["D1"].id or 0), int(world.a.debtors["D5"].id or 0)
    soft = learned_client.post(
        "/v1/segments",
        json={
            "name": "zakelijk zacht",
            "allowed_channels": ["email"],
            "max_tone": "neutral",
            "rules": [{"kind": "b2b"}],
        },
        headers=h,
    )
    assert soft.status_code == 201, soft.text
    group = learned_client.post(
        "/v1/segments",
        json={"name": "groep", "excluded": True, "priority": 1, "rules": [{"external_ids": []}]},
        headers=h,
    ).json()
    assigned = learned_client.post("/v1/segments/assign", headers=h).json()
    assert assigned["per_segment"] == {"zakelijk zacht": 3}  # D1, D3, D5: the B2B debtors
    # D5 belongs to the group (inter-company): by hand, audited in its dossier
    put = learned_client.put(
        f"/v1/debtors/{d5}/segment", json={"segment_id": group["id"]}, headers=h
    )
    assert put.json()["moved"] is True
    recs = learned_client.post(
        "/v1/recommendations", json={"debtor_ids": [d1, d5], "at": AT}, headers=h
    ).json()["recommendations"]
    by_debtor = {r["debtor_id"]: r for r in recs}
    for scored in [by_debtor[d1], *by_debtor[d1]["alternatives"]]:
        action = scored["action"]
        assert action["channel"] in (None, "email"), scored
        assert action["channel"] is None or action["tone"] in ("friendly", "neutral"), scored
    assert by_debtor[d5]["action"]["channel"] is None  # excluded: waits
    changed = learned_client.patch(
        f"/v1/segments/{soft.json()['id']}", json={"max_tone": "friendly"}, headers=h
    )
    assert changed.json()["changes"] == {"max_tone": {"old": "neutral", "new": "friendly"}}
    bad = learned_client.patch(
        f"/v1/segments/{soft.json()['id']}", json={"min_tone": "firm"}, headers=h
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "body.max_tone"
    history = learned_client.get(
        f"/v1/creditors/{world.a.creditor.id}/settings/history", headers=h
    ).json()
    assert [e["kind"] for e in history][:3] == [
        "segment_changed",
        "segment_created",
        "segment_created",
    ]
    with Session(engine) as session:
        moved = session.exec(
            select(DossierEvent).where(
                DossierEvent.debtor_id == d5, DossierEvent.kind == "segment_assigned"
            )
        ).all()
        assert [e.payload["by"] for e in moved] == ["rule", "hand"]
        debtor = session.get(Debtor, d5)
        assert debtor is not None
        assert debtor.segment_id == group["id"]


def test_a_segment_name_is_unique_per_creditor(ladder_client: TestClient, world: World) -> None:
    h = world.headers_a
    assert ladder_client.post("/v1/segments", json={"name": "x"}, headers=h).status_code == 201
    again = ladder_client.post("/v1/segments", json={"name": "x"}, headers=h)
    assert again.status_code == 409
    other = ladder_client.post(
        "/v1/segments", json={"name": "x"}, headers={"X-API-Key": world.key_b}
    )
    assert other.status_code == 201
