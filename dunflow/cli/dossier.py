"""``dunflow dossier pause|resume|dispute|resolve|promise|note|hand-off|show|export``: act on a
debtor's dossier, and export it for a collection agency.

Each action is a dossier event (as ``cli:<user>``), validated by the same model as the API's
(:data:`serving.operate.dossier_actions.DossierAction`); the debtor is named by its number.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from dunflow.cli.common import DbOption, cli_actor, console, database_url, fail, fail_invalid

app = typer.Typer(help="Act on a debtor's dossier and read it.", no_args_is_help=True)
CreditorOption = Annotated[str, typer.Option("--creditor", help="Creditor name.")]
DebtorOption = Annotated[str, typer.Option("--debtor", help="The debtor's number (external id).")]


def _debtor(session: Any, creditor: str, number: str) -> Any:
    from sqlmodel import select

    from ledger.summary import find_creditor
    from ledger.tables import Debtor

    cid = find_creditor(session, creditor).id
    row = session.exec(
        select(Debtor).where(Debtor.creditor_id == cid, Debtor.external_id == number)
    ).first()
    if row is None:
        raise LookupError(f"--debtor: no debtor {number!r}")
    return row


def _act(creditor: str, debtor: str, values: dict[str, Any], db: str | None) -> None:
    from pydantic import TypeAdapter, ValidationError

    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError
    from serving.operate.dossier_actions import ActionRefusedError, DossierAction, act

    try:
        action = TypeAdapter(DossierAction).validate_python(
            {k: v for k, v in values.items() if v is not None}
        )
    except ValidationError as err:
        fail_invalid(err, "--")
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            row = _debtor(session, creditor, debtor)
            answer = act(session, row, action, actor=cli_actor(), now=datetime.now(UTC))
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except ActionRefusedError as err:
        fail(f"--{err.field.replace('_', '-')}: {err}")
    except LookupError as err:
        fail(str(err))
    finally:
        engine.dispose()
    console.print(json.dumps(answer), highlight=False)


@app.command()
def pause(
    creditor: CreditorOption,
    debtor: DebtorOption,
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    until: Annotated[
        str | None, typer.Option("--until", help="YYYY-MM-DD the flow resumes (default: never).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Pause the dossier until a date or until resumed."""
    _act(creditor, debtor, {"action": "pause", "reason": reason, "until": until}, db)


@app.command()
def resume(
    creditor: CreditorOption,
    debtor: DebtorOption,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    db: DbOption = None,
) -> None:
    """Resume a paused dossier."""
    _act(creditor, debtor, {"action": "resume", "reason": reason}, db)


@app.command()
def dispute(
    creditor: CreditorOption,
    debtor: DebtorOption,
    reason: Annotated[str, typer.Option("--reason", help="What is disputed.")],
    invoice: Annotated[
        list[str] | None, typer.Option("--invoice", help="Invoice number(s).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record a dispute: the dossier leaves the flow until it is resolved."""
    values = {"action": "dispute", "reason": reason, "invoice_numbers": invoice or []}
    _act(creditor, debtor, values, db)


@app.command()
def resolve(
    creditor: CreditorOption,
    debtor: DebtorOption,
    resolution: Annotated[str, typer.Option("--resolution", help="credit_note or reopen.")],
    invoice: Annotated[str | None, typer.Option("--invoice", help="credit_note: invoice.")] = None,
    credit_cents: Annotated[int | None, typer.Option("--credit-cents")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
) -> None:
    """Resolve a dispute with a credit note (the invoice is lowered) or reopen the claim."""
    values = {
        "action": "resolve_dispute",
        "resolution": resolution,
        "invoice_number": invoice,
        "credit_cents": credit_cents,
        "note": note,
    }
    _act(creditor, debtor, values, db)


@app.command()
def promise(
    creditor: CreditorOption,
    debtor: DebtorOption,
    amount_cents: Annotated[int, typer.Option("--amount-cents")],
    date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD the debtor will pay by.")],
    db: DbOption = None,
) -> None:
    """Record a promise to pay: the flow stays quiet until the date (and grace)."""
    values = {"action": "promise", "amount_cents": amount_cents, "promised_date": date_}
    _act(creditor, debtor, values, db)


@app.command()
def note(
    creditor: CreditorOption,
    debtor: DebtorOption,
    text: Annotated[str, typer.Option("--text")],
    db: DbOption = None,
) -> None:
    """Add a note to the dossier."""
    _act(creditor, debtor, {"action": "note", "text": text}, db)


@app.command()
def show(creditor: CreditorOption, debtor: DebtorOption, db: DbOption = None) -> None:
    """The dossier, oldest first, as JSON lines."""
    from ledger import dossier as log
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            row = _debtor(session, creditor, debtor)
            events = log.timeline(session, creditor_id=row.creditor_id, debtor_id=row.id)
            lines = [
                json.dumps(
                    {
                        "at": e.occurred_at.isoformat(),
                        "kind": e.kind,
                        "actor": e.actor,
                        **e.payload,
                    },
                    default=str,
                )
                for e in events
            ]
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except LookupError as err:
        fail(str(err))
    finally:
        engine.dispose()
    for line in lines:
        typer.echo(line)


@app.command(name="hand-off")
def hand_off(
    creditor: CreditorOption,
    debtor: DebtorOption,
    stage: Annotated[str, typer.Option("--stage", help="collection or bailiff.")] = "collection",
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
) -> None:
    """Hand the dossier off to collection: the flow stops; the claim is fixed as of today."""
    _act(creditor, debtor, {"action": "hand_off", "stage": stage, "note": note}, db)


@app.command()
def export(
    creditor: CreditorOption,
    debtor: DebtorOption,
    out: Annotated[Path, typer.Option("--out", help="The ZIP to write.")],
    db: DbOption = None,
) -> None:
    """Write the dossier for a collection agency: summary.pdf, dossier.json and CSVs in a ZIP."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError
    from serving.operate.dossier_export import export_zip

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            data = export_zip(session, _debtor(session, creditor, debtor), datetime.now(UTC))
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except LookupError as err:
        fail(str(err))
    finally:
        engine.dispose()
    try:
        out.write_bytes(data)
    except OSError as err:
        fail(f"--out: {err}")
    console.print(f"{out} ({len(data):,} bytes)", highlight=False)
