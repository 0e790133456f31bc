"""Plain-data debtor states for the policy tests (no database)."""

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.enums import Channel, DebtorKind
from policy.flow_state import CreditorSettings, DebtorState, OpenInvoice

AMS = ZoneInfo("Europe/Amsterdam")
EVERY_CHANNEL = frozenset(Channel)


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def invoice(
    i: int = 1, cents: int = 26_700, due: date = date(2026, 1, 31), **kw: Any
) -> OpenInvoice:
    return OpenInvoice(i, f"INV-{i}", cents, kw.pop("open_cents", cents), due, **kw)


def state(**kw: Any) -> DebtorState:
    base = DebtorState(
        debtor_id=1,
        kind=kw.pop("kind", DebtorKind.B2C),
        creditor=kw.pop("creditor", CreditorSettings(name="Acme")),
        invoices=kw.pop("invoices", (invoice(),)),
        reachable=kw.pop("reachable", EVERY_CHANNEL),
    )
    return replace(base, **kw)
