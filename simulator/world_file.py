"""World files: every assumption of the simulator as data (TOML), loaded, validated and written.

A world file holds the creditors (profiles and archetype mixes), contact details, population traits,
contact rules and costs, and the response model (per-archetype rows and scalar knobs); its schema is
documented key by key in ``simulator/README.md``. ``simulator/worlds/default.toml`` is the world the
project reports on. Loading checks types (pydantic) and meaning (probabilities in [0, 1], table
lengths, every archetype present) and fails with :class:`WorldFileError` naming the key. This module
never draws random numbers; :mod:`simulator.family` varies worlds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ConfigDict, TypeAdapter, ValidationError

from simulator.config import (
    ARCHETYPES,
    HOURS,
    ContactDetails,
    CreditorProfile,
    PopulationTraits,
    Rules,
)
from simulator.params import CHANNELS, TONES, ArchetypeResponse, ResponseParams

WORLDS_DIR = Path(__file__).parent / "worlds"
DEFAULT_WORLD_PATH = WORLDS_DIR / "default.toml"


class WorldFileError(ValueError):
    """A world file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class WorldSpec:
    """Everything a world assumes; a :class:`~simulator.config.SimConfig` runs one."""

    name: str
    description: str
    rules: Rules
    costs_cents: dict[str, int]  # per contact, by channel
    population: PopulationTraits
    contacts: ContactDetails
    creditors: tuple[CreditorProfile, ...]
    response: ResponseParams

    def fingerprint(self) -> str:
        """A hash of the world's content (not its name): caches key on it."""
        body = {k: v for k, v in world_to_dict(self).items() if k not in ("name", "description")}
        return hashlib.sha256(tomli_w.dumps(body).encode()).hexdigest()[:16]


for _cls in (
    WorldSpec,
    Rules,
    PopulationTraits,
    ContactDetails,
    CreditorProfile,
    ResponseParams,
    ArchetypeResponse,
):
    # an unknown key is a typo that would silently keep a default: refuse it
    setattr(_cls, "__pydantic_config__", ConfigDict(extra="forbid", strict=False))  # noqa: B010

_ADAPTER = TypeAdapter(WorldSpec)


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def world_from_dict(data: dict[str, Any], source: str = "world") -> WorldSpec:
    """Validate a parsed world file; :class:`WorldFileError` names the first bad key."""
    try:
        spec = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise WorldFileError(f"{source}: {_path(err['loc'])}: {err['msg']}{more}") from None
    problems = list(_check(spec))
    if problems:
        key, msg = problems[0]
        raise WorldFileError(f"{source}: {key}: {msg}")
    return spec


def load_world(path: Path | str) -> WorldSpec:
    """Read and validate a world file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorldFileError(f"{p}: no such world file") from None
    except tomllib.TOMLDecodeError as exc:
        raise WorldFileError(f"{p}: not valid TOML: {exc}") from None
    return world_from_dict(data, str(p))


@cache
def default_world() -> WorldSpec:
    return load_world(DEFAULT_WORLD_PATH)


def world_to_dict(spec: WorldSpec) -> dict[str, Any]:
    return dataclasses.asdict(spec)


def write_world(spec: WorldSpec, path: Path, header: str = "") -> Path:
    """Write ``spec`` as a world file (that :func:`load_world` reads back equal)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_text(comment + dumps_world(spec), encoding="utf-8")
    return path


_ARRAY = re.compile(r"\[\n((?:[ ]+[^\[\]\n]+,\n)+)[ ]*\]")


def dumps_world(spec: WorldSpec) -> str:
    """The TOML text of a world, short arrays of numbers on one line."""
    text = tomli_w.dumps(world_to_dict(spec))
    return _ARRAY.sub(
        lambda m: "[" + ", ".join(x.strip().rstrip(",") for x in m[1].splitlines()) + "]", text
    )


# ---- meaning checks: (key, problem) pairs ------------------------------------------------------
Check = Iterable[tuple[str, str]]


def _within(key: str, value: float, lo: float, hi: float | None = None) -> Check:
    if value < lo or (hi is not None and value > hi):
        yield key, f"must lie in [{lo}, {'∞' if hi is None else hi}] (got {value})"


def _length(key: str, value: tuple[Any, ...], n: int, of: str) -> Check:
    if len(value) != n:
        yield key, f"needs {n} values ({of}), got {len(value)}"


def _pair(key: str, value: tuple[float, float]) -> Check:
    if value[0] > value[1]:
        yield key, f"the first value must not exceed the second (got {list(value)})"


def _check(spec: WorldSpec) -> Check:
    chans = ", ".join(c.value for c in CHANNELS)
    tones = ", ".join(t.value for t in TONES)
    slots = ", ".join(f"{h}h" for h in HOURS)
    if set(spec.costs_cents) != {c.value for c in CHANNELS}:
        yield "costs_cents", f"needs exactly the channels {chans} (got {sorted(spec.costs_cents)})"
    for ch, cents in spec.costs_cents.items():
        yield from _within(f"costs_cents.{ch}", cents, 0)
    yield from _within("rules.min_gap_days", spec.rules.min_gap_days, 1)
    yield from _within("rules.handover_dpd", spec.rules.handover_dpd, 1)
    for f in dataclasses.fields(ContactDetails):
        yield from _within(f"contacts.{f.name}", getattr(spec.contacts, f.name), 0, 1)
    pop = spec.population
    yield from _within("population.loyal_share", pop.loyal_share, 0, 1)
    for name in ("individual_sigma", "debtor_scale_sigma", "ap_amount_factor"):
        yield from _within(f"population.{name}", getattr(pop, name), 0)
    for name in ("activity_shape", "activity_scale"):
        if getattr(pop, name) <= 0:
            yield f"population.{name}", "must be positive"
    if not spec.creditors:
        yield "creditors", "needs at least one creditor"
    keys = [c.key for c in spec.creditors]
    if len(set(keys)) != len(keys):
        yield "creditors", f"keys must be unique (got {keys})"
    for i, c in enumerate(spec.creditors):
        yield from _creditor(f"creditors[{i}]", c)
    yield from _response(spec.response, chans, tones, slots)


def _creditor(at: str, c: CreditorProfile) -> Check:
    if c.share <= 0:
        yield f"{at}.share", f"must be positive (got {c.share})"
    yield from _within(f"{at}.b2b_share", c.b2b_share, 0, 1)
    if c.amount_median_eur <= 0:
        yield f"{at}.amount_median_eur", "must be positive"
    yield from _within(f"{at}.amount_sigma", c.amount_sigma, 0)
    for k in ("terms_b2b_days", "terms_b2c_days", "intercompany_debtors"):
        yield from _within(f"{at}.{k}", getattr(c, k), 0)
    if not c.allowed_weekdays or any(not 0 <= d <= 6 for d in c.allowed_weekdays):
        yield f"{at}.allowed_weekdays", "needs weekdays 0 (Monday) … 6"
    if not 0 <= c.contact_start_minute < c.contact_end_minute <= 24 * 60:
        yield (
            f"{at}.contact_start_minute",
            "needs 0 <= start < end <= 1440 (minutes after midnight)",
        )
    for kind in ("archetype_mix_b2b", "archetype_mix_b2c"):
        mix: dict[str, float] = getattr(c, kind)
        unknown = sorted(set(mix) - set(ARCHETYPES))
        if unknown:
            yield f"{at}.{kind}", f"unknown archetypes {unknown}; known: {', '.join(ARCHETYPES)}"
        if any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
            yield f"{at}.{kind}", "shares must be non-negative with a positive sum"


_PROBS = ("p_promise", "p_keep", "p_deadline", "p_dispute", "p_complaint", "p_full", "p_credit")


def _response(r: ResponseParams, chans: str, tones: str, slots: str) -> Check:
    if set(r.archetypes) != set(ARCHETYPES):
        yield (
            "response.archetypes",
            (f"needs exactly the archetypes {', '.join(ARCHETYPES)} (got {sorted(r.archetypes)})"),
        )
    for name, a in r.archetypes.items():
        at = f"response.archetypes.{name}"
        yield from _length(f"{at}.channel_lift", a.channel_lift, len(CHANNELS), chans)
        yield from _length(f"{at}.tone_lift", a.tone_lift, len(TONES), tones)
        for k in _PROBS:
            yield from _within(f"{at}.{k}", getattr(a, k), 0, 1)
        for k in ("h_pre", "h_post", "p_hold", "firm_dispute"):
            yield from _within(f"{at}.{k}", getattr(a, k), 0)
        for i, v in enumerate((*a.channel_lift, *a.tone_lift)):
            if v <= 0:
                yield (
                    f"{at}.{'channel_lift' if i < len(CHANNELS) else 'tone_lift'}",
                    ("lifts must be positive"),
                )
    shaped: dict[str, tuple[int, str]] = {
        "tone_dispute": (len(TONES), tones),
        "tone_complaint": (len(TONES), tones),
        "tone_deadline": (len(TONES), tones),
        "channel_dispute": (len(CHANNELS), chans),
        "channel_complaint": (len(CHANNELS), chans),
        "channel_deadline": (len(CHANNELS), chans),
        "reach_b2b": (len(HOURS), slots),
        "reach_b2c": (len(HOURS), slots),
        "msg_hour_b2b": (len(HOURS), slots),
        "msg_hour_b2c": (len(HOURS), slots),
    }
    for k, (n, of) in shaped.items():
        yield from _length(f"response.{k}", getattr(r, k), n, of)
        for v in getattr(r, k):
            yield from _within(f"response.{k}", v, 0, 1 if k.startswith("reach") else None)
    unit: tuple[str, ...] = (
        "hazard_cap", "fatigue_phi", "fatigue_beta", "episode_saturation", "saturday_b2b",
        "saturday_reach_b2b", "dispute_cap", "complaint_cap", "robocall_reach_factor",
        "late_factor",
    )  # fmt: skip
    for k in unit:
        yield from _within(f"response.{k}", getattr(r, k), 0, 1)
    positive: tuple[str, ...] = ("lift_tau_days", "lift_min", "reopen_lift", "payday_factor")
    for k in positive:
        if getattr(r, k) <= 0:
            yield f"response.{k}", "must be positive"
    if r.lift_max < r.lift_min:
        yield "response.lift_max", "must not be below lift_min"
    if r.stacked_lift_bounds[0] <= 0:
        yield "response.stacked_lift_bounds", "multipliers must be positive"
    pairs: tuple[str, ...] = (
        "stacked_lift_bounds", "payday_dom", "promise_delay_days", "partial_share", "dispute_days"
    )  # fmt: skip
    for k in pairs:
        yield from _pair(f"response.{k}", getattr(r, k))
    if r.promise_delay_days[0] < 1:
        yield "response.promise_delay_days", "a promise lies at least one day ahead"
    checks: tuple[tuple[str, Callable[[ResponseParams], bool], str], ...] = (
        ("fatigue_window_days", lambda x: x.fatigue_window_days >= 1, "must be at least 1"),
        ("deadline_days", lambda x: x.deadline_days >= 1, "must be at least 1"),
        ("complaint_pause_days", lambda x: x.complaint_pause_days >= 0, "must not be negative"),
        ("late_dpd", lambda x: x.late_dpd >= 0, "must not be negative"),
    )
    for k, ok, msg in checks:
        if not ok(r):
            yield f"response.{k}", msg
