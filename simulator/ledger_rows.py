"""Turn a :class:`~simulator.history.History` into ledger rows (dicts per table, explicit ids).

Pure data shaping, no database: :mod:`simulator.to_ledger` inserts what this returns. Timestamps are
aware datetimes from the simulated clock in Europe/Amsterdam (the ledger stores them as UTC).
Names, e-mail addresses and phone numbers are made up from the debtor's index (example.nl domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ledger.enums import Channel, DebtorKind, Stage, Tone
from ledger.plans import PLAN_LABELS
from simulator.checkpoints import ARM_OF
from simulator.history import History
from simulator.policies import LADDER_STEPS

Row = dict[str, Any]
SEGMENT_NAMES = ("zakelijk", "particulier")
"""The ledger segment a simulated debtor of a creditor is written into, by ``b2c`` (0: B2B); the
simulator's segment code is ``creditor index x 2 + b2c``."""


def segment_code(creditors: list[str], name: str) -> int | None:
    """The simulator's segment code of ``CREDITOR:SEGMENT`` (a creditor's name in the world file
    and one of :data:`SEGMENT_NAMES`); None when there is no such segment."""
    creditor, _, segment = name.rpartition(":")
    if creditor not in creditors or segment not in SEGMENT_NAMES:
        return None
    return 2 * creditors.index(creditor) + SEGMENT_NAMES.index(segment)


def stated_arms(
    creditors: list[str], stated: Mapping[str, str]
) -> tuple[NDArray[np.int64], list[str]]:
    """The stated plan's arm per segment code (-1: none stated) from ``CREDITOR:SEGMENT`` -> plan
    label, and what is wrong with each entry that cannot be read (every one, at once)."""
    out = np.full(2 * len(creditors), -1, dtype=np.int64)
    errors = []
    for name, plan in stated.items():
        code = segment_code(creditors, name)
        if plan not in PLAN_LABELS:
            errors.append(f"{name}={plan}: not a plan such as {PLAN_LABELS[0]} "
                          "(channel/tone/every N days)")  # fmt: skip
        elif code is None:
            known = f"creditors: {', '.join(creditors)}; segments: {', '.join(SEGMENT_NAMES)}"
            errors.append(f"{name}={plan}: no segment {name!r} in this world ({known})")
        else:
            out[code] = ARM_OF[plan]
    return out, errors


_FIRST = ("Anna", "Bram", "Daan", "Emma", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem")
_LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
)
_TRADE = ("Techniek", "Bouw", "Logistiek", "Horeca", "Retail", "Zorg", "Agro", "Media")
_STREETS = ("Dorpsstraat", "Kerkstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Julianalaan")
_CITIES = ("Utrecht", "Amersfoort", "Zwolle", "Haarlem", "Breda", "Arnhem", "Leiden", "Delft")


def _ladder_json(b2c: bool) -> list[dict[str, Any]]:
    """The simulator's ladder in the ledger's segment format (``policy.ladder.parse_level``):
    days after due, channels in order of preference, tone and stage."""
    out = []
    for days, options in LADDER_STEPS:
        channels = list(dict.fromkeys(o.split("/")[0] for o in options))
        tone = options[0].split("/")[1]
        stage = Stage.REMINDER if days < 17 else Stage.PRE_COLLECTION
        if days >= 30:
            stage = Stage.FOURTEEN_DAY_LETTER if b2c else Stage.COLLECTION
        out.append({"days": days, "channels": channels, "tone": tone, "stage": stage.value,
                    "kind": "b2c" if b2c else "b2b"})  # fmt: skip
    return out


def stage_of(dpd: int, b2c: bool, channel: Channel, tone: Tone) -> Stage:
    """Reminders until 21 days past due, pre-collection after; a firm letter to a consumer after
    that is the 14-day letter."""
    if dpd < 21:
        return Stage.REMINDER
    if b2c and channel == Channel.LETTER and tone == Tone.FIRM:
        return Stage.FOURTEEN_DAY_LETTER
    return Stage.PRE_COLLECTION


def build(h: History, ids: dict[str, int]) -> dict[str, list[Row]]:
    w = h.world
    pop, cfg, cal = w.pop, w.cfg, w.cal

    @cache
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return cal.local_time(day, hour, minute).astimezone(UTC)

    out: dict[str, list[Row]] = {}
    cred_id = [ids["creditor"] + i for i in range(len(cfg.creditors))]
    out["creditor"] = [
        {
            "id": cred_id[i],
            "name": c.name,
            "iban": f"NL{20 + i}SIMU0{i:09d}",
            "language": "nl",
            "country": "NL",
            "timezone": "Europe/Amsterdam",
            "vat_deductible": True,
            "collection_outsourced": False,
            "allowed_weekdays": list(c.allowed_weekdays),
            "contact_start_minute": c.contact_start_minute,
            "contact_end_minute": c.contact_end_minute,
            "channel_costs_cents": dict(cfg.world.costs_cents),
            "min_gap_days": cfg.min_gap_days,
            "created_at": at(0, 7),
        }
        for i, c in enumerate(cfg.creditors)
    ]
    seg_rows: list[Row] = []
    seg_of: dict[tuple[int, str], int] = {}
    for ci in range(len(cfg.creditors)):
        here = pop.creditor == ci
        for key, name, excluded, present in (
            ("b2b", SEGMENT_NAMES[0], False, (here & ~pop.b2c & ~pop.excluded).any()),
            ("b2c", SEGMENT_NAMES[1], False, (here & pop.b2c & ~pop.excluded).any()),
            ("ic", "intercompany", True, (here & pop.excluded).any()),
        ):
            if present:
                sid = ids["segment"] + len(seg_rows)
                seg_of[(ci, key)] = sid
                seg_rows.append(
                    {
                        "id": sid,
                        "creditor_id": cred_id[ci],
                        "name": name,
                        "excluded": excluded,
                        "ladder": None if excluded else _ladder_json(key == "b2c"),
                        "default_tone": "neutral",
                    }
                )
    out["segment"] = seg_rows
    prefix = [c.key[:2].upper() for c in cfg.creditors]
    deb_id = ids["debtor"] + np.arange(pop.n_debtors)
    ext = [f"{prefix[c]}-D{i:05d}" for i, c in enumerate(pop.creditor.tolist())]
    out["debtor"] = [
        _debtor(w, i, int(deb_id[i]), ext[i], cred_id, seg_of, at(0, 7))
        for i in range(pop.n_debtors)
    ]
    from simulator import ledger_events

    ledger_events.fill(out, h, ids, cred_id, deb_id, ext, prefix, at)
    return out


def _debtor(
    w: Any,
    i: int,
    did: int,
    ext: str,
    cred_id: list[int],
    seg_of: dict[tuple[int, str], int],
    created: datetime,
) -> Row:
    pop = w.pop
    ci, b2c = int(pop.creditor[i]), bool(pop.b2c[i])
    last = _LAST[(i * 7) % len(_LAST)]
    name = f"{_FIRST[i % len(_FIRST)]} {last}" if b2c else f"{last} {_TRADE[i % len(_TRADE)]} B.V."
    slug = f"d{i:05d}"
    seg = "ic" if pop.excluded[i] else ("b2c" if b2c else "b2b")
    opted = [
        ch.value
        for k, ch in enumerate(
            (Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.PHONE, Channel.ROBOCALL)
        )
        if pop.opt_out[i, k]
    ]
    mobile = bool(pop.has_mobile[i])
    return {
        "id": did,
        "creditor_id": cred_id[ci],
        "external_id": ext,
        "kind": (DebtorKind.B2C if b2c else DebtorKind.B2B).value,
        "name": name,
        "email": f"{slug}@example.nl" if pop.has_email[i] else None,
        "phone": (f"+316{i:08d}" if mobile else f"+3130{i:07d}") if pop.has_phone[i] else None,
        "address_line": f"{_STREETS[i % len(_STREETS)]} {1 + i % 97}"
        if pop.has_address[i]
        else None,
        "postal_code": f"{1000 + (i * 37) % 8999} AB" if pop.has_address[i] else None,
        "city": _CITIES[(i * 3) % len(_CITIES)] if pop.has_address[i] else None,
        "country": "NL",
        "language": "nl",
        "opted_out_channels": opted,
        "segment_id": seg_of[(ci, seg)],
        "created_at": created,
    }


__all__ = ["build", "stage_of"]
