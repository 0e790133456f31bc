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


def test_a_plan_history_logged_by_the_creditors_stated_plans(tmp_path: Path) -> None:
    """``--segment-plan`` logs the history as the plan-logging policy a creditor serves: each
    stated plan kept with 1 - epsilon where it anchors, the rest spread over its neighbours, a
    segment left out on the ladder; every wrong entry refused in one pass."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'plan.db'}"
    stated = "Groothandel Van Dijk B.V.:zakelijk=phone/neutral/7d"
    args = ["simulate", "--logging", "plan", "--seed", "7", "--debtors", "300", "--days", "60"]
    res = runner.invoke(app, [*args, "--epsilon", "0.2", "--segment-plan", stated, "--db", url])
    assert res.exit_code == 0, res.output
    q = ("SELECT json_extract(body, '$.plan.label'), propensity FROM recommendation"
         " WHERE json_extract(body, '$.plan.label') = 'phone/neutral/7d'")  # fmt: skip
    with sa.create_engine(url).connect() as conn:
        kept = conn.execute(sa.text(q)).all()
    anchored = [p for _, p in kept if round(p, 6) == 0.8]  # 1 - epsilon: kept as the anchor
    assert len(anchored) > 20
    assert len(anchored) > 0.7 * len(kept)  # the rest: drawn as another anchor's neighbour
    # the segments that state no plan keep the ladder: its answers, none a plan's
    others = ("SELECT r.model_version, json_extract(r.body, '$.plan') IS NULL, count(*)"
              " FROM recommendation r JOIN debtor d ON d.id = r.debtor_id"
              " JOIN segment s ON s.id = d.segment_id JOIN creditor c ON c.id = d.creditor_id"
              " WHERE NOT (c.name = 'Groothandel Van Dijk B.V.' AND s.name = 'zakelijk')"
              " GROUP BY 1, 2")  # fmt: skip
    with sa.create_engine(url).connect() as conn:
        (version, no_plan, n), *rest = conn.execute(sa.text(others)).all()
    assert (version, no_plan, rest) == ("ladder", 1, [])
    assert n > 300
    bad = runner.invoke(app, [*args, "--segment-plan", "Nobody:zakelijk=phone/neutral/7d",
                              "--segment-plan", "x=phone/loud/7d", "--db", url])  # fmt: skip
    assert bad.exit_code != 0
    said = " ".join(bad.output.split())
    assert "Nobody:zakelijk" in said
    assert "phone/loud/7d" in said
    alone = runner.invoke(app, ["simulate", "--segment-plan", stated, "--db", url])
    assert alone.exit_code != 0
    assert "--logging plan" in alone.output
