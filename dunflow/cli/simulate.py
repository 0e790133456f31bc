"""``dunflow simulate``: a synthetic ledger with known ground truth, and policy replay in it."""

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

if TYPE_CHECKING:
    import numpy as np

    from simulator.registry import PolicyFactory
    from simulator.world import World

from dunflow.cli.common import DbOption, console, database_url, fail, segment_plan_pairs

app = typer.Typer(
    help="Generate a synthetic ledger with known ground truth; replay policies in it.",
    invoke_without_command=True,
)

SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: same seed, same world.")]
DebtorsOpt = Annotated[int, typer.Option("--debtors", help="Number of debtors.")]
DaysOpt = Annotated[int, typer.Option("--days", help="Number of simulated days.")]
EndOpt = Annotated[
    str, typer.Option("--end", help="Last simulated day (YYYY-MM-DD); fixed so demos repeat.")
]
WorldOpt = Annotated[
    Path | None,
    typer.Option(
        "--world", help="World file (TOML) with the simulator's assumptions; default: the default."
    ),
]


def _world(path: Path | None) -> "object":
    from simulator.world_file import DEFAULT_WORLD_PATH, WorldFileError, load_world

    try:
        return load_world(path or DEFAULT_WORLD_PATH)
    except WorldFileError as exc:
        fail(escape(f"--world: {exc}"))


def _config(
    debtors: int, days: int, end: str, epsilon: float = 0.2, world: Path | None = None
) -> "object":
    from simulator.config import SimConfig
    from simulator.world_file import WorldSpec

    if debtors <= 0:
        fail(f"--debtors must be a positive number (got {debtors})")
    if days <= 0:
        fail(f"--days must be a positive number (got {days})")
    if not 0.0 <= epsilon <= 1.0:
        fail(f"--epsilon must lie between 0 and 1 (got {epsilon})")
    try:
        end_date = date.fromisoformat(end)
    except ValueError:
        fail(f"--end must be a date like 2026-11-23 (got {end!r})")
    spec = _world(world)
    assert isinstance(spec, WorldSpec)
    return SimConfig(n_debtors=debtors, days=days, end=end_date, epsilon=epsilon, world=spec)


def _simulate_plans(
    seed: int, cfg: "object", db: str | None, segment_plans: list[str], epsilon: float
) -> None:
    from ledger import migrate
    from ledger.db import make_engine
    from simulator.config import SimConfig
    from training.plan_learner import CHOSEN
    from training.plan_ledger import simulate_plan_ledger

    assert isinstance(cfg, SimConfig)
    stated = _stated_codes(cfg, segment_plans) if segment_plans else None
    url = database_url(db)
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        if stated is None:
            counts = simulate_plan_ledger(engine, seed, cfg, arms=CHOSEN.logged_arms)
        else:
            from training.plan_learner import targeted_logger
            from training.plan_logging_run import chosen_logging_policy

            logger = targeted_logger(chosen_logging_policy(epsilon, ledger=False), stated)
            counts = simulate_plan_ledger(engine, seed, cfg, chooser=logger)
    except ValueError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    for name, n in counts.items():
        console.print(f"  {name:<18} {n:>9,}")
    console.print(f"ledger: {url} (plan decisions: {counts['recommendation']:,})")


def _stated_codes(cfg: "object", segment_plans: list[str]) -> "np.ndarray":
    """``--segment-plan CREDITOR:SEGMENT=PLAN`` entries as the stated arm per simulator segment
    code (-1: none stated); every wrong entry reported at once."""
    from simulator.config import SimConfig
    from simulator.ledger_rows import stated_arms

    assert isinstance(cfg, SimConfig)
    stated, errors = segment_plan_pairs(segment_plans)
    arms, wrong = stated_arms([c.name for c in cfg.creditors], stated)
    errors += [f"--segment-plan {w}" for w in wrong]
    if errors:
        fail("\n".join(errors))
    return arms


@app.callback()
def simulate(
    ctx: typer.Context,
    seed: SeedOpt = 42,
    debtors: DebtorsOpt = 5_000,
    days: DaysOpt = 540,
    end: EndOpt = "2026-11-23",
    epsilon: Annotated[
        float, typer.Option("--epsilon", help="Share of logged decisions drawn at random.")
    ] = 0.2,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth", help="Where to write the ground-truth file (default: beside the DB)."
        ),
    ] = None,
    world: WorldOpt = None,
    db: DbOption = None,
    logging: Annotated[
        str,
        typer.Option(
            "--logging",
            help="ladder: the per-day logging policy (ladder with epsilon); plan: a uniformly "
            "random weekly plan (or the learner's escalation plan) at every checkpoint (what "
            "`train policy --kind plan` reads).",
        ),
    ] = "ladder",
    segment_plan: Annotated[
        list[str] | None,
        typer.Option(
            "--segment-plan",
            help="With --logging plan: CREDITOR:SEGMENT=PLAN, repeatable; the history is logged "
            "by the plan-logging policy a creditor serves (`train policy --kind plan-logging`): "
            "each stated plan with 1 - epsilon, else a neighbouring one; a segment without one "
            "keeps the ladder (its days logged as the ladder's answers, not plan choices).",
        ),
    ] = None,
) -> None:
    """Simulate under the logging policy and write the whole history into the ledger."""
    if ctx.invoked_subcommand is not None:
        return
    if logging not in ("ladder", "plan"):
        fail(f"--logging must be ladder or plan (got {logging!r})")
    if segment_plan and logging != "plan":
        fail("--segment-plan needs --logging plan")
    if logging == "plan":
        cfg = _config(debtors, days, end, epsilon, world)
        _simulate_plans(seed, cfg, db, segment_plan or [], epsilon)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ledger import migrate
    from ledger.db import make_engine
    from ledger.settings import get_settings
    from simulator.config import SimConfig
    from simulator.generate import simulate_to_ledger
    from simulator.to_ledger import TABLE_ORDER
    from simulator.truth import default_path

    cfg = _config(debtors, days, end, epsilon, world)
    assert isinstance(cfg, SimConfig)
    url = database_url(db)
    migrate.upgrade(url)
    engine = make_engine(url)
    truth_path = truth or default_path(url, seed, get_settings().data_dir)
    cols = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
    )
    try:
        with Progress(*cols, TimeElapsedColumn(), console=console) as bar:
            sim = bar.add_task("simulating days", total=days)
            tables = bar.add_task("writing tables", total=len(TABLE_ORDER))
            result = simulate_to_ledger(
                engine,
                seed,
                cfg,
                truth_path,
                on_day=lambda d: bar.update(sim, completed=d + 1),
                on_table=lambda _n, _c: bar.advance(tables),
            )
    except ValueError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    for name, n in result.rows.items():
        console.print(f"  {name:<18} {n:>9,}")
    console.print(f"ledger: {url}")
    console.print(f"logging policy: {result.model_version}")
    console.print(f"ground truth (evaluation only, never a feature): [bold]{result.truth_path}[/]")


@app.command()
def replay(
    policy: Annotated[
        list[str],
        typer.Option(
            "--policy",
            help="ladder, random, oracle, champion (the registry's learned policy),"
            " fixed:<channel>/<tone>[/<N>d]; repeat.",
        ),
    ],
    seed: SeedOpt = 42,
    debtors: DebtorsOpt = 2_000,
    days: DaysOpt = 180,
    end: EndOpt = "2026-11-23",
    world: WorldOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Run each policy forward in a fresh in-memory world (same seed) and print its metrics."""
    from simulator.config import SimConfig
    from simulator.registry import make_policy
    from simulator.replay import replay as run_replay
    from simulator.world import World

    cfg = _config(debtors, days, end, world=world)
    assert isinstance(cfg, SimConfig)
    if "champion" in policy:
        _register_champion()
    probe = World(seed, SimConfig(n_debtors=1, days=1, world=cfg.world))
    for name in policy:
        try:
            make_policy(name, probe)
        except KeyError as exc:
            fail(escape(f"--policy: {exc.args[0]}"))
    result = run_replay(policy, seed=seed, config=cfg)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.table import Table

    keys = list(next(iter(result.values())))
    table = Table(*["policy", *keys])
    for name, m in result.items():
        table.add_row(name, *["-" if m[k] is None else f"{m[k]:,}" for k in keys])
    console.print(table)


def _register_champion() -> None:
    """Make ``--policy champion`` the learned policy behind the registry alias."""
    from policy.pyfunc import DunningPolicy
    from simulator.registry import register_policy
    from training import tracking
    from training.plan_sim_ledger import ledger_plan_factory
    from training.policy_run import load_champion
    from training.sim_policy import register

    tracking.start()
    found = load_champion()
    if found is None:
        fail("--policy champion: no model has the alias champion yet (run `dunflow train policy`)")
    policy = found[0]
    if isinstance(policy, DunningPolicy):
        register("champion", lambda: policy)
    else:  # a plan champion, greedy, on the ledger's state
        register_policy("champion", ledger_plan_factory(policy, "champion"))


@app.command()
def family(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the world files into.")],
    base: Annotated[
        Path | None, typer.Option("--base", help="World file to sample around (default world).")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Generator seed: same seed, same worlds.")
    ] = 101,
    n: Annotated[int, typer.Option("--n", min=1, max=1000, help="Number of worlds.")] = 10,
) -> None:
    """Sample a family of worlds around a base world file (ranges: simulator/family.py)."""
    from simulator.family import write_family
    from simulator.world_file import DEFAULT_WORLD_PATH

    _world(base)  # a bad base file fails here, naming the key
    paths = write_family(base or DEFAULT_WORLD_PATH, seed, n, out)
    for p in paths:
        console.print(str(p))
    console.print(f"{len(paths)} worlds, generator seed {seed}")


@app.command()
def evaluate(
    family_name: Annotated[
        str, typer.Option("--family", help="default, default-validation, validation or test.")
    ] = "default",
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Extra policies by registry name (e.g. champion); repeat."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
) -> None:
    """Replay ladder, random, oracle, the fixed-plan baselines and the given policies in every world
    of a declared family; print each one's share of the ceiling and the paired differences."""
    from simulator.evaluation import evaluate_family
    from simulator.families import FAMILIES
    from simulator.objective import DEFAULT_OBJECTIVE
    from simulator.registry import make_policy

    if family_name not in FAMILIES:
        fail(f"--family: unknown family {family_name!r}; known: {', '.join(FAMILIES)}")
    names = policy or []
    if "champion" in names:
        _register_champion()
    factories: dict[str, PolicyFactory] = {}
    for name in names:
        try:
            make_policy(name, _probe())
        except KeyError as exc:
            fail(escape(f"--policy: {exc.args[0]}"))
        factories[name] = _by_name(name)
    report = evaluate_family(factories, FAMILIES[family_name], DEFAULT_OBJECTIVE)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
    from rich.table import Table

    table = Table(
        "policy", "share of ceiling", "min", "limits held", "DSO", "cost/€", "compl./1000"
    )
    for name, s in report["summary"].items():
        table.add_row(
            name + (" (reads the truth)" if s["evaluation_only"] else ""),
            f"{s['mean_share_of_ceiling']:.3f}",
            f"{s['min_share_of_ceiling']:.3f}",
            s["limits_held_in"],
            f"{s['mean_dso_days']:.1f}",
            f"{s['mean_cost_per_euro_collected']:.4f}",
            f"{s['mean_complaints_per_1000_debtors']:.1f}",
        )
    console.print(table)
    console.print(f"baselines chosen on: {report['baselines_chosen_on']}")


def _probe() -> "World":
    from simulator.config import SimConfig
    from simulator.world import World

    return World(0, SimConfig(n_debtors=1, days=1))


def _by_name(name: str) -> "PolicyFactory":
    from simulator.registry import make_policy

    return lambda w: make_policy(name, w)


@app.command()
def loop(
    rounds: Annotated[int, typer.Option("--rounds", help="Rounds of deploy, retrain, gate.")] = 4,
    debtors: Annotated[int, typer.Option("--debtors", help="Debtors per deployment world.")] = 600,
    days: Annotated[int, typer.Option("--days", help="Days per deployment world.")] = 120,
    eval_worlds: Annotated[
        int, typer.Option("--eval-worlds", min=1, help="Validation worlds each round is gated in.")
    ] = 3,
    reference: Annotated[
        str, typer.Option("--reference", help="What the candidate must beat in replay.")
    ] = "segment-fixed",
    world: WorldOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """The closed loop: deploy the champion (with exploration) in a fresh world, retrain the plan
    learner on the pooled logs, gate, and report each round's greedy value and action coverage."""
    from simulator.world_file import DEFAULT_WORLD_PATH
    from training.policy_loop import LoopConfig, run_loop

    _world(world)
    if reference not in ("segment-fixed", "best-fixed", "ladder", "random"):
        fail("--reference: one of segment-fixed, best-fixed, ladder, random")
    try:
        cfg = LoopConfig(rounds=rounds, debtors=debtors, days=days, eval_worlds=eval_worlds,
                         reference=reference, world=world or DEFAULT_WORLD_PATH)  # fmt: skip
    except ValueError as exc:
        fail(str(exc))
    report = run_loop(cfg, progress=None if as_json else console.print)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from rich.table import Table

    table = Table("round", "candidate share", reference, "gate", "deployed", "coverage")
    for r in report["rounds"][1:]:
        cov = r.get("coverage")
        ref = r[f"{reference}_share_of_ceiling"]
        failed = f" ({', '.join(r['gate']['failed'])})" if r["gate"]["failed"] else ""
        table.add_row(
            str(r["round"]),
            f"{r['candidate_mean_share']:.3f}",
            f"{sum(ref) / len(ref):.3f}",
            r["gate"]["decision"] + failed,
            r.get("deployed", "-"),
            f"{cov['arms_tried']}/{cov['arms_available']}" if cov else "-",
        )
    console.print(table)
