"""``dunflow apikey revoke|rotate|list`` against the API: a revoked key gets 401, a rotated key's
old secret stops working and the new one works for the same creditor; only hashes are stored."""

import hashlib
import json

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunflow.cli import app
from tests.serving.api.conftest import World

runner = CliRunner()


def _cli(db_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["apikey", *args, "--db", db_url])
    return result.exit_code, result.output


def _get(client: TestClient, world: World, key: str, rec: str) -> int:
    return client.get(f"/v1/recommendations/{rec}", headers={"X-API-Key": key}).status_code


def test_a_revoked_key_gets_401_and_the_others_keep_working(
    ladder_client: TestClient, world: World, db_url: str
) -> None:
    assert _get(ladder_client, world, world.key_a, world.rec_a) == 200
    code, out = _cli(db_url, "revoke", world.key_a.split("_")[1])
    assert code == 0, out
    resp = ladder_client.get(f"/v1/recommendations/{world.rec_a}", headers=world.headers_a)
    assert resp.status_code == 401
    assert resp.json()["detail"][0]["field"] == "header.X-API-Key"
    assert _get(ladder_client, world, world.key_b, world.rec_b) == 200
    code, out = _cli(db_url, "revoke", world.key_a)  # the whole key is accepted too
    assert code != 0
    assert "already revoked" in out
    code, out = _cli(db_url, "revoke", "nosuchprefix")
    assert code != 0
    assert "no API key with prefix 'nosuchprefix'" in out


def test_a_rotated_key_is_replaced_for_the_same_creditor(
    ladder_client: TestClient, world: World, db_url: str, engine: Engine
) -> None:
    code, out = _cli(db_url, "rotate", world.key_a)
    assert code == 0, out
    new = out.split()[-1]
    assert new.startswith("dfk_")
    assert new != world.key_a
    assert _get(ladder_client, world, world.key_a, world.rec_a) == 401
    assert _get(ladder_client, world, new, world.rec_a) == 200
    assert _get(ladder_client, world, new, world.rec_b) == 404  # tenancy unchanged: B stays B's
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT prefix, key_hash, creditor_id FROM apikey")).all()
    stored = {value for row in rows for value in row if isinstance(value, str)}
    assert new not in stored
    assert new.split("_", 2)[2] not in " ".join(stored)
    assert hashlib.sha256(new.encode()).hexdigest() in stored
    by_prefix = {row[0]: row[2] for row in rows}
    assert by_prefix[new.split("_")[1]] == by_prefix[world.key_a.split("_")[1]]
    code, listed = _cli(db_url, "list", "--json")
    assert code == 0
    keys = {k["prefix"]: k for k in json.loads(listed)}
    assert keys[world.key_a.split("_")[1]]["revoked_at"] is not None
    assert keys[new.split("_")[1]]["revoked_at"] is None
    assert keys[new.split("_")[1]]["creditor"] == world.a.creditor.name
    assert new not in listed
