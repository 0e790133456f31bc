"""What the command groups share: the Rich consoles, the database option and error exits."""

import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="DUNFLOW_DATABASE_URL",
        help="SQLAlchemy URL of the ledger (default: SQLite file under data/).",
        show_default=False,
    ),
]

# the promotion gate's replay family (training.policy_gate.gate_family checks the name)
GateFamily = Annotated[
    str,
    typer.Option(
        "--gate-family", help="Family the gate replays in (validation, default-validation)."
    ),
]
GateWorlds = Annotated[
    int | None,
    typer.Option("--gate-worlds", min=0, help="Replay only the family's first N worlds."),
]


def database_url(db: str | None) -> str:
    from ledger.settings import get_settings

    return db or get_settings().resolved_database_url()


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def fail_invalid(err: Any, prefix: str = "") -> NoReturn:
    """Exit naming every field a ``pydantic.ValidationError`` refused (nothing was written)."""
    lines = [
        f"{prefix}{'.'.join(str(p) for p in e.get('loc', ())) or '?'}: {e.get('msg', '')}"
        for e in err.errors()
    ]
    fail("\n".join(lines))


def assignments(pairs: list[str], what: str = "FIELD=VALUE") -> dict[str, Any]:
    """``["min_gap_days=5", "iban=NL91…", "allowed_weekdays=[0,1,2]"]`` as a dict: each value read
    as JSON when it is JSON (numbers, lists, true/false/null), else as the text itself."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            fail(f"{pair!r}: expected {what}")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def segment_plan_pairs(entries: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--segment-plan CREDITOR:SEGMENT=PLAN`` entries as ``{CREDITOR:SEGMENT: PLAN}``, and an
    error for each entry without ``=`` (all of them, so one run names every wrong entry)."""
    errors = [f"--segment-plan {e}: not CREDITOR:SEGMENT=PLAN" for e in entries if "=" not in e]
    return dict(e.partition("=")[::2] for e in entries if "=" in e), errors


def cli_actor() -> str:
    """Who made a change from the command line, for the audit."""
    import getpass

    return f"cli:{getpass.getuser()}"
