"""``dunflow train``: Train and register models."""

import dataclasses
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from dunflow.cli.common import DbOption, GateFamily, GateWorlds, console, database_url, fail

app = typer.Typer(help="Train and register models.", no_args_is_help=True)


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


@app.command("payment-time")
def payment_time(
    test_from: Annotated[
        str, typer.Option("--test-from", help="Hold out invoices issued on or after this date.")
    ],
    db: DbOption = None,
    creditor: Annotated[
        str | None, typer.Option("--creditor", help="Train on one creditor (default: all).")
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, help="Maximum boosting rounds.")
    ] = None,
    register: Annotated[
        bool, typer.Option("--register/--no-register", help="Register as payment-time@champion.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Train the payment-time model (P(paid late), days late) on a chronological split."""
    import sqlalchemy as sa

    from features.loading import UnknownCreditorError, load_frames
    from ledger.db import make_engine
    from training.payment_time import EmptySplitError, PaymentTimeConfig
    from training.payment_time_run import run_payment_time

    day = _parse_day(test_from, "--test-from")
    engine = make_engine(database_url(db))
    try:
        if not sa.inspect(engine).has_table("invoice"):
            fail("--db: the ledger has no tables yet: run `dunflow db upgrade` first")
        try:
            frames = load_frames(engine, creditor)
        except UnknownCreditorError as exc:
            fail(f"--creditor: {exc}")
        if frames.invoices.empty:
            fail("--db: the ledger has no invoices to train on")
        config = (
            PaymentTimeConfig() if rounds is None else PaymentTimeConfig(num_boost_round=rounds)
        )
        slug = re.sub(r"[^a-z0-9]+", "-", (creditor or "all").lower()).strip("-")
        try:
            report = run_payment_time(
                frames, test_from=day, config=config, table_name=f"payment_time_{slug}",
                register=register,
            )  # fmt: skip
        except EmptySplitError as exc:
            fail(f"--test-from {day}: {exc}")
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps(report.as_json()))
        return
    m = report.metrics
    console.print(
        f"payment-time: AUC {m['auc']:.3f}, log loss {m['logloss']:.3f}, Brier {m['brier']:.3f}, "
        f"MAE {m['mae_days']:.2f} days (predict 0: {m['baseline_mae_days']:.2f}, debtor's past "
        f"mean: {m['baseline_debtor_mean_mae_days']:.2f}); n_train {int(m['n_train'])}, "
        f"n_test {int(m['n_test'])}; run {report.run_id}, version {report.model_version}"
    )


def _train(db: str | None, cfg: Any, train: Any, promote: bool) -> dict[str, Any]:
    """Check the gate's configuration, then ``train(engine, cfg, promote=...)`` on ``--db``."""
    import sqlalchemy as sa

    from ledger.db import make_engine

    try:
        cfg.gate()
    except ValueError as exc:
        fail(str(exc))
    engine = make_engine(database_url(db))
    try:
        report: dict[str, Any] = train(engine, cfg, promote=promote)
    except (ValueError, sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        fail(f"--db {database_url(db)}: {exc}")
    finally:
        engine.dispose()
    return report


def _segment_plans(items: list[str]) -> tuple[tuple[str, str], ...]:
    """``--segment-plan [CREDITOR:]SEGMENT=PLAN`` values as (segment, plan label) pairs, each
    checked (the segment itself is looked up in the ledger by the trainer)."""
    from ledger.plans import PLAN_LABELS

    out = []
    for item in items:
        name, sep, plan = item.rpartition("=")  # a plan label has no "="; a name might
        if not sep or not name.strip():
            fail(
                f"--segment-plan {item!r}: write [CREDITOR:]SEGMENT=PLAN, e.g. "
                "zakelijk=phone/neutral/7d or 'Groothandel Van Dijk B.V.:zakelijk=phone/neutral/7d'"
            )
        if plan.strip() not in PLAN_LABELS:  # a plan of the grid, as a segment's own (not wait)
            fail(f"--segment-plan {item!r}: unknown plan {plan.strip()!r}; known: "
                 f"{', '.join(sorted(PLAN_LABELS))}")  # fmt: skip
        out.append((name.strip(), plan.strip()))
    return tuple(out)


def _train_plan(
    db: str | None,
    family: str,
    worlds: int | None,
    promote: bool,
    as_json: bool,
    segment_plans: list[str] | None = None,
) -> None:

    from training.plan_run import PlanRunConfig, train_plan_policy

    cfg = PlanRunConfig(
        gate_family=family, gate_worlds=worlds, segment_plans=_segment_plans(segment_plans or [])
    )
    report = _train(db, cfg, train_plan_policy, promote)
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    for c in report["gate"]["checks"]:
        mark = "[green]pass[/]" if c["passed"] else "[red]fail[/]"
        console.print(f"  {mark} {c['name']}: {json.dumps(c['figures'], default=str)[:160]}")
    if (moves := report.get("moves")) is not None:
        console.print(
            f"  moves off the anchors on {moves['held_out_checkpoints']} held-out checkpoints: "
            f"{moves['moved']} made, {len(moves['kinds'])} kinds, {moves['shown_to_pay']} shown "
            f"to pay (gain {moves['z']} standard errors above 0)"
        )
    console.print(f"{report['decision']}: {report['reason']}; version {report['version']}")


def _plan_logging(db: str | None, chosen: float | None, promote: bool, as_json: bool) -> None:
    import sqlalchemy as sa

    from ledger.db import make_engine
    from policy.plan_logging import LOGGING_EPSILON
    from training.plan_logging_run import register_plan_logging

    epsilon = LOGGING_EPSILON if chosen is None else chosen
    engine = make_engine(database_url(db))
    try:
        report = register_plan_logging(engine, epsilon, promote=promote)
    except (ValueError, sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        fail(f"--db {database_url(db)}: {exc}")
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    plans = ", ".join(f"{k}={v}" for k, v in report["segment_plans"].items())
    console.print(f"{report['decision']}: the plan-logging policy (epsilon {epsilon:g}) serving "
                  f"{plans}; version {report['version']}")  # fmt: skip


@app.command("policy")
def policy(
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Learn from decisions on or after this date.")
    ] = None,
    test_from: Annotated[
        str | None,
        typer.Option("--test-from", help="Hold out decisions from this date (default: last 25%)."),
    ] = None,
    replay_seed: Annotated[
        int | None,
        typer.Option("--replay-seed", help="Seed of the unseen replay world (default: 2027)."),
    ] = None,
    replay_debtors: Annotated[int | None, typer.Option("--replay-debtors", min=50)] = None,
    replay_days: Annotated[int | None, typer.Option("--replay-days", min=30)] = None,
    world: Annotated[
        Path | None,
        typer.Option("--world", help="World file of the replay world (default: the default)."),
    ] = None,
    promote: Annotated[
        bool, typer.Option("--promote/--no-promote", help="Let the gate move the champion alias.")
    ] = True,
    gate_family_name: GateFamily = "validation",
    gate_worlds: GateWorlds = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="day: the per-day policy; plan: the plan learner, from the ledger's plan "
            "decisions (dunflow simulate --logging plan writes some); plan-logging: no model, "
            "each segment's stated plan with targeted exploration, to gather those decisions.",
        ),
    ] = "day",
    epsilon: Annotated[
        float | None,
        typer.Option(
            "--epsilon",
            min=0.0,
            max=1.0,
            help="--kind plan-logging: the chance of trying a neighbouring plan instead of the "
            "segment's (default: policy.plan_logging.LOGGING_EPSILON).",
        ),
    ] = None,
    segment_plan: Annotated[
        list[str] | None,
        typer.Option(
            "--segment-plan",
            help="--kind plan: the creditor's plan for one of its segments, "
            "[CREDITOR:]SEGMENT=PLAN (e.g. zakelijk=phone/neutral/7d; the creditor is needed "
            "when several have a segment of that name), repeatable; a segment not named gets "
            "the plan its log supports best.",
        ),
    ] = None,
) -> None:
    """Train the dunning policy, evaluate it (hold-out, off-policy, replay), register a version,
    and move alias champion only when the promotion gate passes every check (gate.json)."""

    if kind not in ("day", "plan", "plan-logging"):
        fail(f"--kind must be day, plan or plan-logging (got {kind!r})")
    if segment_plan and kind != "plan":
        fail("--segment-plan is for --kind plan")
    if kind == "plan-logging":
        _plan_logging(db, epsilon, promote, as_json)
        return
    if kind == "plan":
        _train_plan(db, gate_family_name, gate_worlds, promote, as_json, segment_plan)
        return
    from simulator.world_file import DEFAULT_WORLD_PATH, WorldFileError, load_world
    from training.policy_run import PolicyRunConfig, train_policy

    try:
        load_world(world or DEFAULT_WORLD_PATH)
    except WorldFileError as exc:
        fail(f"--world: {exc}")
    cfg = PolicyRunConfig(
        world=world or DEFAULT_WORLD_PATH,
        since=_parse_day(since, "--since") if since else None,
        test_from=_parse_day(test_from, "--test-from") if test_from else None,
    )
    cfg = dataclasses.replace(
        cfg,
        gate_family=gate_family_name,
        gate_worlds=gate_worlds,
        replay_seed=cfg.replay_seed if replay_seed is None else replay_seed,
        replay_debtors=cfg.replay_debtors if replay_debtors is None else replay_debtors,
        replay_days=cfg.replay_days if replay_days is None else replay_days,
    )
    report = _train(db, cfg, train_policy, promote)
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    from rich.table import Table

    table = Table("policy", "DSO", "collected 30d", "cost/€", "complaints/1000", "net value €")
    for name, m in report["replay"]["policies"].items():
        table.add_row(
            name,
            f"{m['dso_days']:.1f}",
            f"{m['collected_30d']:.3f}" if m["collected_30d"] is not None else "-",
            f"{m['cost_per_euro_collected']:.4f}",
            f"{m['complaints_per_1000_debtors']:.1f}",
            f"{m['net_value']:,.0f}",
        )
    console.print(table)
    console.print(f"version {report['version']}: {report['decision']} — {report['reason']}")
    for check in report["gate"]["checks"]:
        console.print(f"  {'pass' if check['passed'] else 'FAIL'} {check['name']}: {check['rule']}")
