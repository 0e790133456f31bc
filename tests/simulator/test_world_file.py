"""World files: the default world reproduces the built-in world of before, and bad files are refused
with the key named."""

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.replay import replay
from simulator.world_file import (
    DEFAULT_WORLD_PATH,
    WorldFileError,
    default_world,
    dumps_world,
    load_world,
    world_from_dict,
)

# Recorded from the code with the numbers in Python (commit in the file), before world files.
BEFORE = json.loads((Path(__file__).parent / "data" / "replay_before_world_files.json").read_text())


def _raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_WORLD_PATH.read_text())


def test_default_world_replays_exactly_as_the_built_in_world_did() -> None:
    cfg = SimConfig(n_debtors=BEFORE["debtors"], days=BEFORE["days"])
    got = replay(list(BEFORE["policies"]), seed=BEFORE["seed"], config=cfg)
    assert got == BEFORE["policies"]


def test_default_world_logs_the_same_history_as_before() -> None:
    spec = BEFORE["logged_history"]
    h = simulate_history(spec["seed"], SimConfig(n_debtors=spec["debtors"], days=spec["days"]))
    digest = hashlib.sha256()
    for part in (h.contact, h.payment, h.alloc, h.decision):
        assert part is not None
        for k in sorted(part):
            digest.update(k.encode())
            digest.update(np.ascontiguousarray(part[k]).tobytes())
    assert digest.hexdigest() == spec["sha256"]


def test_a_written_world_reads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(dumps_world(default_world()))
    assert load_world(path) == default_world()
    assert load_world(path).fingerprint() == default_world().fingerprint()


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d["response"].update(lift_tau=6.0), "response.lift_tau"),
        (lambda d: d["response"]["archetypes"]["punctual"].pop("p_keep"), "punctual.p_keep"),
        (lambda d: d["response"]["archetypes"]["forgetful"].update(p_keep=1.4), "forgetful.p_keep"),
        (lambda d: d["response"]["archetypes"].pop("disputer"), "response.archetypes"),
        (lambda d: d["response"].update(reach_b2c=[0.3, 0.4]), "response.reach_b2c"),
        (lambda d: d["response"].update(fatigue_phi="strong"), "response.fatigue_phi"),
        (lambda d: d["creditors"][1].update(b2b_share=-0.1), "creditors[1].b2b_share"),
        (lambda d: d["creditors"][0]["archetype_mix_b2b"].update(lazy=0.1), "creditors[0]"),
        (lambda d: d["costs_cents"].pop("phone"), "costs_cents"),
        (lambda d: d["contacts"].update(no_address=2), "contacts.no_address"),
    ],
)
def test_a_bad_world_is_refused_naming_the_key(edit: Any, key: str) -> None:
    data = _raw()
    edit(data)
    with pytest.raises(WorldFileError, match=key.replace("[", r"\[").replace("]", r"\]")):
        world_from_dict(data, "bad.toml")


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(WorldFileError, match="no such world file"):
        load_world(tmp_path / "nope.toml")
    (tmp_path / "x.toml").write_text("name = ")
    with pytest.raises(WorldFileError, match="not valid TOML"):
        load_world(tmp_path / "x.toml")


def test_a_world_with_other_costs_charges_them() -> None:
    data = _raw()
    data["costs_cents"]["email"] = 7
    cfg = SimConfig(n_debtors=150, days=60, world=world_from_dict(data))
    out = replay(["fixed:email/neutral/7d"], seed=3, config=cfg)["fixed:email/neutral/7d"]
    emails_and_letters = out["contact_cost_eur"]
    base = replay(["fixed:email/neutral/7d"], seed=3, config=SimConfig(n_debtors=150, days=60))
    assert emails_and_letters > base["fixed:email/neutral/7d"]["contact_cost_eur"]
