"""``dunflow simulate`` and ``dunflow simulate replay`` from the command line."""

import json
from pathlib import Path

from typer.testing import CliRunner

from dunflow.cli import app

runner = CliRunner()


def test_simulate_writes_a_ledger_and_says_where_the_truth_is(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    args = ["simulate", "--seed", "3", "--debtors", "60", "--days", "40", "--db", f"sqlite:///{db}"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sim.truth.parquet").exists()
    assert "sim.truth.parquet" in res.output.replace("\n", "")


def test_replay_prints_json_per_policy() -> None:
    args = ["simulate", "replay", "--policy", "ladder", "--policy", "oracle"]
    res = runner.invoke(app, [*args, "--debtors", "80", "--days", "60", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"ladder", "oracle"}
    assert "net_value" in data["oracle"]


def test_bad_input_names_the_option() -> None:
    for args, option in (
        (["simulate", "--debtors", "-5"], "--debtors"),
        (["simulate", "--days", "0"], "--days"),
        (["simulate", "replay", "--policy", "nope"], "--policy"),
        (["simulate", "replay", "--policy", "ladder", "--days", "0"], "--days"),
        (["simulate", "replay", "--policy", "ladder", "--world", "/nope.toml"], "--world"),
        (["simulate", "--world", "/nope.toml"], "--world"),
        (["simulate", "evaluate", "--family", "nope"], "--family"),
        (["train", "policy", "--world", "/nope.toml"], "--world"),
    ):
        res = runner.invoke(app, args)
        assert res.exit_code != 0
        assert option in res.output, res.output


def test_replay_runs_in_the_world_file_it_is_given(tmp_path: Path) -> None:
    world = tmp_path / "dear.toml"
    text = (Path(__file__).parents[2] / "simulator/worlds/default.toml").read_text()
    world.write_text(text.replace("phone = 500", "phone = 5000"))
    args = ["simulate", "replay", "--policy", "fixed:phone/neutral/14d", "--debtors", "80"]
    args += ["--days", "60", "--json"]
    cheap = json.loads(runner.invoke(app, args).output)
    dear = json.loads(runner.invoke(app, [*args, "--world", str(world)]).output)
    name = "fixed:phone/neutral/14d"
    assert dear[name]["contacts"] == cheap[name]["contacts"]
    assert dear[name]["contact_cost_eur"] > 5 * cheap[name]["contact_cost_eur"]
