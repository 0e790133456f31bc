"""``make demo``: the main job end to end on the embedded defaults, as the commands a user types.

Every step is a real ``dunflow`` invocation in a subprocess (so the demo proves the CLI, not a
shortcut around it), printed before it runs. Everything lands under ``data/demo/``, which is wiped
first; nothing here reads ``../shared/``. To extend the demo: append a step to :func:`steps`.
It ends by printing the web app's URL and a demo user per role on the live-run ledger, and serves
it when ``SERVE=1`` (``make demo SERVE=1``).
"""

import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from ledger.settings import PROJECT_ROOT

console = Console()
APP_CREDITOR = "Groothandel Van Dijk B.V."
DEMO_PASSWORD = "demo-password"  # the demo's users only; never a real ledger's
ROLES = ("finance", "call_agent", "admin")
# the simulated creditors' own plan per segment, as a creditor states it (`--segment-plan`): the
# plans `segment-fixed` chose on the default world's validation seeds (benchmarks/bench_policy.py)
SEGMENT_PLANS = {
    "Groothandel Van Dijk B.V.:zakelijk": "phone/neutral/7d",
    "Installatiebedrijf De Vries:zakelijk": "letter/firm/7d",
    "Installatiebedrijf De Vries:particulier": "letter/firm/14d",
    "StreamWel Abonnementen:particulier": "email/neutral/14d",
}
SEGMENT_PLAN_FLAGS = tuple(
    a for name, plan in SEGMENT_PLANS.items() for a in ("--segment-plan", f"{name}={plan}")
)  # the same plans for the history's logger and for the learner
PAYMENT_TIME_MODEL = "models:/payment-time@champion"
# what the served app needs of the demo's environment: its registry and its models
APP_ENV = ("MLFLOW_TRACKING_URI", "DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI", "DUNFLOW_DATA_DIR")


@dataclass(frozen=True)
class Step:
    title: str
    args: list[str]


def steps(demo_dir: Path) -> list[Step]:
    samples = PROJECT_ROOT / "data" / "samples"
    ledger_url = f"sqlite:///{demo_dir / 'ledger.db'}"
    sim_url = f"sqlite:///{demo_dir / 'sim.db'}"
    plan_url = f"sqlite:///{demo_dir / 'plan.db'}"
    live_url = f"sqlite:///{demo_dir / 'live_sim' / 'ledger.db'}"
    creditor = "Bakkerij de Vries B.V."
    imports = [
        Step(
            f"Import sample {entity}",
            [
                "import",
                entity,
                str(samples / f"{entity}.csv"),
                "--creditor",
                creditor,
                "--format",
                "csv",
                "--db",
                ledger_url,
                *(["--create-creditor"] if entity == "debtors" else []),
            ],
        )
        for entity in ("debtors", "invoices", "payments")
    ]
    return [
        Step("Create a fresh ledger", ["db", "upgrade", "--db", ledger_url]),
        *imports,
        Step(
            "Summary of the sample ledger",
            [
                "ledger",
                "summary",
                "--creditor",
                creditor,
                "--as-of",
                "2026-11-24",
                "--db",
                ledger_url,
            ],
        ),
        Step(
            "Weekly digest of the sample ledger (HTML + PDF)",
            [
                "report",
                "weekly",
                "--creditor",
                creditor,
                "--as-of",
                "2026-11-24",
                "--out",
                str(demo_dir / "reports"),
                "--db",
                ledger_url,
            ],
        ),
        Step("Create the simulated ledger", ["db", "upgrade", "--db", sim_url]),
        Step(
            "Simulate a year of logged history (ladder + 20 % exploration, known ground truth)",
            ["simulate", "--seed", "7", "--debtors", "2000", "--days", "360", "--db", sim_url],
        ),
        # before the plan learner: its gate replays the candidate with the registered
        # payment-time model's expected days late in the state, as the API then serves it
        Step(
            "Train the payment-time model (cold start, cash forecast) on a chronological split",
            ["train", "payment-time", "--db", sim_url, "--test-from", "2026-08-01"],
        ),
        Step("Create the plan-logging ledger", ["db", "upgrade", "--db", plan_url]),
        Step(
            "Simulate half a year under the plan-logging policy a creditor serves (each "
            "segment's stated plan, a neighbouring one at 20 % of checkpoints, exact propensities)",
            [
                "simulate",
                "--logging",
                "plan",
                *SEGMENT_PLAN_FLAGS,
                "--seed",
                "7",
                "--debtors",
                "2000",
                "--days",
                "180",
                "--db",
                plan_url,
            ],
        ),
        *[
            Step(
                f"{name}: state the plan of segment {segment} (no SQL)",
                ["segment", "set", segment, "--creditor", name, f"plan={plan}", "--db", plan_url],
            )
            for name, segment, plan in (
                (*key.rsplit(":", 1), plan) for key, plan in SEGMENT_PLANS.items()
            )
        ],
        Step(
            "Serve those plans: the plan-logging policy registered as champion (each segment's "
            "plan, the escalation after a broken promise, a neighbouring plan at 20 %)",
            ["train", "policy", "--kind", "plan-logging", "--db", plan_url],
        ),
        Step(
            "Train the plan learner from the creditors' segment plans: hold-out, off-policy, "
            "replay against segment-fixed, gate",
            # the gate's replay cut to one validation world (the full family: about an hour)
            [
                "train",
                "policy",
                "--kind",
                "plan",
                *SEGMENT_PLAN_FLAGS,
                *("--gate-family", "default-validation", "--gate-worlds", "1"),
                "--db",
                plan_url,
            ],
        ),
        Step(
            "Train the dynamic flow: hold-out, off-policy, replay on an unseen world, gate",
            # the replays cut down (report 300 x 90, one validation world for the gate): the full
            # family takes about an hour on 2 cores (`dunflow train policy` without the options)
            [
                "train",
                "policy",
                "--db",
                sim_url,
                *("--replay-debtors", "300", "--replay-days", "90"),
                *("--gate-family", "default-validation", "--gate-worlds", "1"),
            ],
        ),
        Step("Registered models and aliases", ["models", "list"]),
        Step(
            "60 simulated days: scheduler, scoring API over HTTP, senders into local sinks",
            [
                "scheduler",
                "simulate-days",
                "--days",
                "60",
                "--debtors",
                "300",
                *SEGMENT_PLAN_FLAGS,
                "--out",
                str(demo_dir / "live_sim"),
            ],
        ),
        Step(
            "Weekly digest of a live-run creditor (HTML + PDF)",
            [
                "report",
                "weekly",
                "--creditor",
                "Groothandel Van Dijk B.V.",
                "--out",
                str(demo_dir / "live_sim" / "reports"),
                "--db",
                live_url,
            ],
        ),
        Step(
            "Why the newest decision was made (HTML + PDF)",
            [
                "report",
                "decision",
                "--recommendation",
                "latest",
                "--lang",
                "en",
                "--out",
                str(demo_dir / "live_sim" / "reports"),
                "--db",
                live_url,
            ],
        ),
        *[
            Step(
                f"A web-app user: {role}",
                [
                    "user",
                    "create",
                    f"{role}@demo.example",
                    "--creditor",
                    APP_CREDITOR,
                    "--role",
                    role,
                    "--name",
                    f"Demo {role}",
                    "--db",
                    live_url,
                ],
            )
            for role in ROLES
        ],
    ]


def last_day(url: str) -> str:
    """The ledger's last day a message went out (the live run's last simulated one; else its last
    event, else today):
    the web app shows the ledger as of then."""
    from sqlmodel import Session, func, select

    from ledger.db import make_engine
    from ledger.tables import Contact, DossierEvent

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            last = (
                session.exec(select(func.max(Contact.sent_at))).one()
                or session.exec(select(func.max(DossierEvent.occurred_at))).one()
            )
    finally:
        engine.dispose()
    return str(last)[:10] if last is not None else str(date.today())


def web_app(demo_dir: Path, env: dict[str, str]) -> None:
    """Print how to open the web app on the live-run ledger; serve it when SERVE=1."""
    url = f"sqlite:///{demo_dir / 'live_sim' / 'ledger.db'}"
    day = last_day(url)
    serve = ["serve", "--db", url, "--port", "8000"]
    console.print(Rule("[bold]The web app"))
    console.print(f"URL: http://127.0.0.1:8000/app   (the ledger of {APP_CREDITOR} as of {day})")
    for role in ROLES:
        console.print(f"  {role:<11} {role + '@demo.example':<24} password: {DEMO_PASSWORD}")
    pinned = [f"{name}={shlex.quote(env[name])}" for name in APP_ENV if env.get(name)]
    command = " ".join([*pinned, f"DUNFLOW_WEBAPP_TODAY={day}", "dunflow", shlex.join(serve)])
    if os.environ.get("SERVE", "") in ("", "0"):
        console.print(f"start it with: {command}   (or: make demo SERVE=1)")
        return
    console.print(f"[dim]$ {command}[/]  (Ctrl-C stops it)")
    app_env = {**env, "DUNFLOW_WEBAPP_TODAY": day}
    subprocess.run([sys.executable, "-m", "dunflow", *serve], env=app_env, check=False)


def _children_cpu_s() -> float:
    """User + system seconds of the finished steps (each a child process)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(demo_dir: Path) -> None:
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    demo_dir.mkdir(parents=True)
    env = {**os.environ, "DUNFLOW_DATA_DIR": str(demo_dir), "DUNFLOW_USER_PASSWORD": DEMO_PASSWORD}
    env.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{demo_dir / 'mlflow.db'}")
    # written by `train policy` when it promotes a champion; the live digest shows it
    env.setdefault(
        "DUNFLOW_REPORTS_FLOW_EFFECT_PATH", str(demo_dir / "processed" / "flow_effect.json")
    )
    # step "Train the payment-time model" registers it; the digests and the app's Overview
    # forecast cash with it (the baseline, labelled as such, when it cannot be loaded)
    env.setdefault("DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI", PAYMENT_TIME_MODEL)
    started = time.perf_counter()
    for number, step in enumerate(steps(demo_dir), start=1):
        console.print(Rule(f"[bold]{number}. {step.title}"))
        console.print(f"[dim]$ dunflow {shlex.join(step.args)}[/]")
        wall, cpu = time.perf_counter(), _children_cpu_s()
        result = subprocess.run([sys.executable, "-m", "dunflow", *step.args], env=env, check=False)
        if result.returncode != 0:
            console.print(f"[bold red]demo step {number} failed (exit {result.returncode})[/]")
            raise SystemExit(result.returncode)
        # CPU beside wall time: on a busy machine only the CPU seconds say what the step costs
        took, used = time.perf_counter() - wall, _children_cpu_s() - cpu
        console.print(f"[dim]step {number}: {took:.0f} s, {used:.0f} s of CPU[/]")
    total = f"{time.perf_counter() - started:.0f} s, {_children_cpu_s():.0f} s of CPU"
    console.print(Rule(f"[bold green]demo done in {total}[/]"))
    console.print(f"everything it made is under {demo_dir}")
    web_app(demo_dir, env)


if __name__ == "__main__":
    run(PROJECT_ROOT / "data" / "demo")
