"""The world family generator: deterministic per seed, within its declared ranges, valid files."""

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from dunflow.cli import app
from simulator.family import RANGES, TABLE_SPREAD, family_worlds, sample_world
from simulator.world_file import default_world, load_world


def test_a_family_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    base = default_world()
    a, b = family_worlds(base, 11, 3), family_worlds(base, 11, 3)
    assert a == b
    assert family_worlds(base, 11, 5)[:3] == a  # world i does not depend on the family's size
    assert family_worlds(base, 12, 3) != a
    assert len({w.fingerprint() for w in a}) == 3


def test_sampled_worlds_stay_within_the_declared_ranges() -> None:
    base = default_world()
    for i in range(8):
        w = sample_world(base, 5, i).response
        for name, row in w.archetypes.items():
            ref = base.response.archetypes[name]
            ratio = np.array(row.channel_lift) / np.array(ref.channel_lift)
            assert np.all(np.abs(ratio - 1) <= TABLE_SPREAD + 1e-3), name
            assert 0 <= row.p_keep <= 1
            assert 0 <= row.p_complaint <= 1
            assert row.p_hold == ref.p_hold  # not in the sampled set
        assert RANGES["fatigue_phi"][0] <= w.fatigue_phi <= RANGES["fatigue_phi"][1]
        assert RANGES["fatigue_beta"][0] <= w.fatigue_beta <= RANGES["fatigue_beta"][1]
        assert max(w.reach_b2c) <= 0.95
        mixes = sample_world(base, 5, i).creditors[0].archetype_mix_b2b
        assert set(mixes) == set(base.creditors[0].archetype_mix_b2b)
        assert abs(sum(mixes.values()) - 1) < 1e-3


def test_the_cli_writes_world_files_that_read_back_as_sampled(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["simulate", "family", "--seed", "9", "--n", "2", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    files = sorted(tmp_path.glob("*.toml"))
    assert [load_world(f) for f in files] == family_worlds(default_world(), 9, 2)


def test_the_cli_names_a_bad_base_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((Path(__file__).parents[2] / "simulator/worlds/default.toml").read_text()
                   .replace("loyal_share = 0.25", "loyal_share = 1.25"))  # fmt: skip
    args = ["simulate", "family", "--base", str(bad), "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0
    assert "population.loyal_share" in res.output
