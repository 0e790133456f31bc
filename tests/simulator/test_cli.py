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
    ):
        res = runner.invoke(app, args)
        assert res.exit_code != 0
        assert option in res.output, res.output
