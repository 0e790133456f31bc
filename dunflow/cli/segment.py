"""``dunflow segment list|create|set|assign``: a creditor's debtor groups without SQL.

The same validation as the API (:class:`policy.segments.SegmentConfig`), each change audited as
``cli:<user>``. ``assign`` applies the assignment rules to every debtor, or with ``--debtor`` and
``--segment`` puts one debtor in a segment by hand (``--segment ''``: in none).
"""

import json
from typing import Annotated, Any

import typer

from dunflow.cli.common import (
    DbOption,
    assignments,
    cli_actor,
    console,
    database_url,
    fail,
    fail_invalid,
)

app = typer.Typer(help="Debtor segments: list, create, set, assign.", no_args_is_help=True)
CreditorOption = Annotated[str, typer.Option("--creditor", help="Creditor name.")]
Pairs = Annotated[list[str] | None, typer.Argument(help="FIELD=VALUE pairs (JSON or text).")]
NameArg = Annotated[str, typer.Argument(help="The segment's name.")]


def _run(db: str | None, work: Any) -> Any:
    """``work(session, creditor)`` in one transaction, every refusal an error naming the input."""
    from pydantic import ValidationError

    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError
    from serving.operate.segments import SegmentExistsError

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            return work(session)
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except ValidationError as err:
        fail_invalid(err)
    except (SegmentExistsError, LookupError) as err:
        fail(str(err))
    finally:
        engine.dispose()


def _creditor_id(session: Any, name: str) -> int:
    from ledger.summary import find_creditor

    return int(find_creditor(session, name).id or 0)


def _segment(session: Any, creditor_id: int, name: str) -> Any:
    from serving.operate.segments import by_name

    row = by_name(session, creditor_id, name)
    if row is None:
        raise LookupError(f"--segment/NAME: no segment {name!r}")
    return row


@app.command("list")
def list_(creditor: CreditorOption, db: DbOption = None) -> None:
    """Every segment of the creditor with its settings, as JSON."""
    from sqlmodel import col, select

    from ledger.tables import Segment
    from serving.operate.segments import config_of

    def work(session: Any) -> list[dict[str, Any]]:
        cid = _creditor_id(session, creditor)
        rows = session.exec(
            select(Segment).where(Segment.creditor_id == cid).order_by(col(Segment.id))
        )
        return [{"id": r.id, **config_of(r).model_dump(mode="json")} for r in rows]

    typer.echo(json.dumps(_run(db, work), indent=2))


@app.command()
def create(
    name: NameArg, creditor: CreditorOption, pairs: Pairs = None, db: DbOption = None
) -> None:
    """Create a segment: ``dunflow segment create loyal --creditor Acme max_tone=neutral``."""
    from policy.segments import SegmentConfig
    from serving.operate import segments

    values = {**assignments(pairs or []), "name": name}

    def work(session: Any) -> int:
        config = SegmentConfig.model_validate(values)
        row = segments.create(session, _creditor_id(session, creditor), config, actor=cli_actor())
        return int(row.id or 0)

    console.print(f"created segment {name} (id {_run(db, work)})", highlight=False)


@app.command("set")
def set_(name: NameArg, creditor: CreditorOption, pairs: Pairs = None, db: DbOption = None) -> None:
    """Change a segment: all values validated together, written and audited, or none."""
    from serving.operate import segments

    values = assignments(pairs or [])
    if not values:
        fail("give at least one FIELD=VALUE")

    def work(session: Any) -> dict[str, tuple[Any, Any]]:
        row = _segment(session, _creditor_id(session, creditor), name)
        return segments.patch(session, row, values, actor=cli_actor())

    changes = _run(db, work)
    for key, (old, new) in changes.items():
        console.print(f"{key}: {json.dumps(old)} → {json.dumps(new)}", highlight=False)
    if not changes:
        console.print("nothing changed")


@app.command()
def assign(
    creditor: CreditorOption,
    debtor: Annotated[
        str | None, typer.Option("--debtor", help="One debtor's number (external id).")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", help="With --debtor: the segment ('' for none).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Apply the assignment rules to every debtor, or put one debtor in a segment by hand."""
    from sqlmodel import select

    from ledger.tables import Debtor
    from serving.operate import segments

    if (debtor is None) != (segment is None):
        fail("--debtor and --segment go together (or give neither to apply the rules)")

    def work(session: Any) -> str:
        cid = _creditor_id(session, creditor)
        if debtor is None:
            done = segments.apply_rules(session, cid, actor=cli_actor())
            return (
                f"{done.debtors} debtors read, {done.moved} moved; per segment {done.per_segment}"
            )
        row = session.exec(
            select(Debtor).where(Debtor.creditor_id == cid, Debtor.external_id == debtor)
        ).first()
        if row is None:
            raise LookupError(f"--debtor: no debtor {debtor!r}")
        target = _segment(session, cid, segment) if segment else None
        moved = segments.assign_one(session, row, target, actor=cli_actor())
        return f"debtor {debtor}: {'moved to' if moved else 'already in'} {segment or 'no segment'}"

    console.print(_run(db, work), highlight=False)
