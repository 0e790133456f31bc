"""``dunflow rules``: Collection law, interest and contact windows, as calculators.

Thin wrappers over :mod:`policy.collection_costs`, :mod:`policy.interest` and
:mod:`policy.contact_window`. ``--json`` prints valid JSON on stdout (amounts both as cents and as
decimal strings); otherwise a Rich table. Bad input exits non-zero with an error naming the option.
"""

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer
from rich.table import Table

from dunflow.cli.common import DbOption, console, database_url, fail

app = typer.Typer(
    help="Collection law, interest and contact windows, as calculators.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _money(cents: int) -> dict[str, Any]:
    from policy.money import to_decimal_string

    return {"cents": cents, "amount": to_decimal_string(cents)}


def _principals(values: list[str]) -> list[int]:
    from policy.money import AmountError, parse_euros

    if not values:
        fail("--principal: give at least one amount, e.g. --principal 267.00")
    out: list[int] = []
    for v in values:
        try:
            out.append(parse_euros(v))
        except AmountError as exc:
            fail(f"--principal: {exc}")
    return out


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def _emit(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@app.command()
def costs(
    principal: Annotated[
        list[str], typer.Option("--principal", help="Principal in EUR, repeatable.")
    ],
    country: Annotated[str, typer.Option("--country", help="NL or BE.")] = "NL",
    kind: Annotated[str, typer.Option("--kind", help="b2c or b2b.")] = "b2c",
    vat_added: Annotated[
        bool, typer.Option("--vat-added", help="Add 21% VAT (creditor cannot deduct VAT, NL).")
    ] = False,
    on: Annotated[
        str | None, typer.Option("--on", help="Rules in force on DATE (default today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The collection costs for one or more principals demanded together."""
    from ledger.enums import Country, DebtorKind
    from policy.collection_costs import collection_costs
    from policy.effective import NoRuleInForceError
    from policy.money import round_cents

    try:
        ctry = Country(country.upper())
    except ValueError:
        fail(f"--country: {country!r} is not one of NL, BE")
    try:
        knd = DebtorKind(kind.lower())
    except ValueError:
        fail(f"--kind: {kind!r} is not one of b2c, b2b")
    if vat_added and ctry != Country.NL:
        fail("--vat-added: the VAT add-on exists only for NL collection costs")
    amounts = _principals(principal)
    day = _date(on, "--on") if on else date.today()
    try:
        got = collection_costs(ctry, knd, amounts, on=day, vat_add_on=vat_added)
    except NoRuleInForceError as exc:
        fail(f"--on: {exc}")
    lines: list[dict[str, Any]] = [
        {
            "from": _money(line.lower_cents),
            "to": _money(line.upper_cents) if line.upper_cents is not None else None,
            "rate": str(line.rate),
            "base": _money(line.base_cents),
            "fixed": _money(line.fixed_cents),
            "exact_cents": format(line.exact_cents.normalize(), "f"),
            "costs": _money(round_cents(line.exact_cents)),
        }
        for line in got.lines
    ]
    payload: dict[str, Any] = {
        "rule": got.rule,
        "source": got.source,
        "effective_from": got.effective_from.isoformat(),
        "country": got.country.value,
        "kind": got.kind.value,
        "principals": [_money(p) for p in got.principals_cents],
        "principal": _money(got.principal_cents),
        "brackets": lines,
        "minimum_applied": got.minimum_applied,
        "maximum_applied": got.maximum_applied,
        "costs": _money(got.costs_cents),
        "vat_rate": str(got.vat_rate),
        "vat": _money(got.vat_cents),
        "total": _money(got.total_cents),
    }
    if as_json:
        _emit(payload)
        return
    table = Table(title=f"{got.rule} — principal {payload['principal']['amount']} EUR")
    for col in ("from", "to", "rate", "base", "costs"):
        table.add_column(col, justify="right")
    for row in lines:
        upper = row["to"]["amount"] if row["to"] else "—"
        table.add_row(
            row["from"]["amount"], upper, row["rate"], row["base"]["amount"], row["costs"]["amount"]
        )
    console.print(table)
    notes = " (minimum applied)" if got.minimum_applied else ""
    notes += " (maximum applied)" if got.maximum_applied else ""
    console.print(f"costs {payload['costs']['amount']}{notes}")
    if got.vat_cents:
        console.print(f"VAT {payload['vat']['amount']}")
    console.print(f"[bold]total {payload['total']['amount']} EUR[/]")


@app.command()
def interest(
    principal: Annotated[str, typer.Option("--principal", help="Principal in EUR.")],
    start: Annotated[str, typer.Option("--from", help="First day of interest (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Day interest stops (exclusive).")],
    kind: Annotated[str, typer.Option("--kind", help="b2c (6:119) or b2b (6:119a).")] = "b2b",
    unsettled_rate: Annotated[
        str | None,
        typer.Option("--unsettled-rate", help="Percent to use where the rate is not settled."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """NL statutory interest, compounded yearly, across rate changes."""
    from ledger.enums import DebtorKind
    from policy.effective import NoRuleInForceError
    from policy.interest import statutory_interest

    try:
        knd = DebtorKind(kind.lower())
    except ValueError:
        fail(f"--kind: {kind!r} is not one of b2c, b2b")
    (amount,) = _principals([principal])
    first, stop = _date(start, "--from"), _date(end, "--to")
    if stop < first:
        fail(f"--to: {stop} is before --from {first}")
    rate: Decimal | None = None
    if unsettled_rate is not None:
        try:
            rate = Decimal(unsettled_rate)
        except InvalidOperation:
            fail(f"--unsettled-rate: {unsettled_rate!r} is not a number")
        if not rate.is_finite() or rate < 0:
            fail(f"--unsettled-rate: {unsettled_rate!r} must be a non-negative percentage")
    try:
        got = statutory_interest(amount, kind=knd, start=first, end=stop, unsettled_rate=rate)
    except NoRuleInForceError as exc:
        fail(f"--from: {exc}")
    periods: list[dict[str, Any]] = [
        {
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "days": p.days,
            "rate_percent": str(p.rate_percent),
            "base": _money(p.base_cents),
            "exact_cents": str(p.exact_cents.quantize(Decimal("0.0001"))),
            "unsettled": p.unsettled,
        }
        for p in got.periods
    ]
    payload: dict[str, Any] = {
        "kind": got.kind.value,
        "principal": _money(got.principal_cents),
        "from": got.start.isoformat(),
        "to": got.end.isoformat(),
        "days": got.days,
        "day_count": got.day_count,
        "periods": periods,
        "capitalised": [{"on": d.isoformat(), **_money(c)} for d, c in got.capitalised],
        "interest": _money(got.interest_cents),
        "unsettled_days": got.unsettled_days,
    }
    if as_json:
        _emit(payload)
        return
    table = Table(
        title=f"statutory interest ({got.kind.value}) on {payload['principal']['amount']}"
    )
    for col in ("from", "to", "days", "rate %", "base", "cents (exact)"):
        table.add_column(col, justify="right")
    for p in periods:
        table.add_row(
            p["from"],
            p["to"],
            str(p["days"]),
            p["rate_percent"],
            p["base"]["amount"],
            p["exact_cents"],
        )
    console.print(table)
    if got.unsettled_days:
        console.print(f"[yellow]{got.unsettled_days} days at a rate that is not settled[/]")
    console.print(f"[bold]interest {payload['interest']['amount']} EUR[/] ({got.day_count})")


def _creditor_window(name: str, db: str | None) -> Any:
    from sqlmodel import Session, select

    from ledger.db import make_engine
    from ledger.tables import Creditor
    from policy.ledger_state import creditor_settings

    engine = make_engine(database_url(db))
    try:
        with Session(engine) as session:
            row = session.exec(select(Creditor).where(Creditor.name == name)).first()
            if row is None:
                fail(f"--creditor: no creditor named {name!r} in the ledger")
            return creditor_settings(row)
    except Exception as exc:
        if isinstance(exc, typer.Exit):
            raise
        fail(f"--creditor: cannot read the ledger ({exc.__class__.__name__}: {exc})")
    finally:
        engine.dispose()


@app.command("next-slot")
def next_slot(
    at: Annotated[str, typer.Option("--at", help="Proposed time, ISO 8601 with offset.")],
    creditor: Annotated[
        str | None, typer.Option("--creditor", help="Apply this creditor's narrower window.")
    ] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="email, sms, phone, …")] = None,
    country: Annotated[str, typer.Option("--country", help="NL or BE.")] = "NL",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Is this contact time allowed? If not, why not, and when is the next allowed time."""
    from ledger.enums import Channel, Country
    from policy import contact_window

    try:
        asked = datetime.fromisoformat(at)
    except ValueError:
        fail(f"--at: {at!r} is not an ISO 8601 time (e.g. 2026-12-25T10:00:00+01:00)")
    if asked.tzinfo is None or asked.utcoffset() is None:
        fail(f"--at: {at!r} has no time zone offset (add e.g. +01:00 or Z)")
    try:
        ctry = Country(country.upper())
    except ValueError:
        fail(f"--country: {country!r} is not one of NL, BE")
    chan = None
    if channel is not None:
        try:
            chan = Channel(channel.lower())
        except ValueError:
            fail(f"--channel: {channel!r} is not one of {', '.join(c.value for c in Channel)}")
    window = None
    if creditor is not None:
        settings = _creditor_window(creditor, db)
        window = settings.window()
    got = contact_window.next_slot(asked, country=ctry, channel=chan, creditor=window)
    payload: dict[str, Any] = {
        "asked": got.asked.isoformat(),
        "allowed": got.allowed,
        "reasons": got.reasons,
        "next_allowed": got.next_allowed.isoformat() if got.next_allowed else None,
        "creditor": creditor,
        "country": ctry.value,
        "channel": chan.value if chan else None,
    }
    if as_json:
        _emit(payload)
    elif got.allowed:
        console.print(f"[green]allowed[/]: {payload['asked']}")
    else:
        console.print(f"[red]refused[/]: {payload['asked']}")
        for reason in got.reasons:
            console.print(f"  - {reason}")
        console.print(f"next allowed: [bold]{payload['next_allowed'] or 'none within 400 days'}[/]")
    if got.next_allowed is None:
        raise typer.Exit(2)
