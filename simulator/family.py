"""The world family generator: worlds sampled around a base world within declared ranges.

World ``i`` of the family with generator seed ``S`` is drawn from its own stream
(``SeedSequence([S, i])``), so a family is the same on every machine and world ``i`` does not
depend on how many worlds were asked for. What varies (``RANGES``; documented in
``simulator/README.md``, "World families"): every response-table entry (pay hazards, channel and
tone lifts, promises, deadlines, disputes, complaints, partial payment) by a factor in
[0.7, 1.3]; promise keeping and complaint rates likewise; the archetype mixes re-drawn from a
Dirichlet around the base mix; fatigue (the share of lift kept, the annoyance factor, the complaint
frequency factor); phone reach per slot. Everything else is the base's. Probabilities are clipped
to [0, 1], reach to [0, 0.95]. This module never runs a policy.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from simulator.config import CreditorProfile
from simulator.params import ArchetypeResponse, ResponseParams
from simulator.world_file import (
    WorldSpec,
    load_world,
    world_from_dict,
    world_to_dict,
    write_world,
)

TABLE_SPREAD = 0.3  # response-table entries x U(1 - spread, 1 + spread)
MIX_CONCENTRATION = 20.0  # Dirichlet(concentration x base mix): the mean is the base mix
RANGES: dict[str, tuple[float, float]] = {
    "fatigue_phi": (0.25, 0.55),
    "fatigue_beta": (0.7, 0.9),
    "frequency_complaint": (0.5, 1.5),
    "reach_factor": (0.7, 1.3),  # x each phone-reach entry
}
_SCALED = ("h_pre", "h_post", "p_promise", "p_keep", "p_deadline", "p_dispute", "p_complaint")
_PROBS = ("p_promise", "p_keep", "p_deadline", "p_dispute", "p_complaint", "p_full")
DIGITS = 4  # values are rounded so world files stay readable; the file is the world


def _factor(rng: np.random.Generator, n: int | None = None) -> np.ndarray:
    return rng.uniform(1 - TABLE_SPREAD, 1 + TABLE_SPREAD, n)


def _round(x: float) -> float:
    return float(round(x, DIGITS))


def _archetype(a: ArchetypeResponse, rng: np.random.Generator) -> ArchetypeResponse:
    kw: dict[str, object] = {}
    for k in _SCALED:
        v = getattr(a, k) * float(_factor(rng))
        kw[k] = _round(min(v, 1.0) if k in _PROBS else v)
    kw["channel_lift"] = tuple(_round(v) for v in np.array(a.channel_lift) * _factor(rng, 5))
    kw["tone_lift"] = tuple(_round(v) for v in np.array(a.tone_lift) * _factor(rng, 3))
    return replace(a, **kw)  # type: ignore[arg-type]


def _mix(mix: dict[str, float], rng: np.random.Generator) -> dict[str, float]:
    names = [k for k, v in mix.items() if v > 0]
    base = np.array([mix[k] for k in names]) / sum(mix[k] for k in names)
    drawn = rng.dirichlet(MIX_CONCENTRATION * base)
    return {k: _round(float(v)) for k, v in zip(names, drawn, strict=True)}


def _creditor(c: CreditorProfile, rng: np.random.Generator) -> CreditorProfile:
    return replace(
        c, archetype_mix_b2b=_mix(c.archetype_mix_b2b, rng),
        archetype_mix_b2c=_mix(c.archetype_mix_b2c, rng),
    )  # fmt: skip


def _response(r: ResponseParams, rng: np.random.Generator) -> ResponseParams:
    rows = {name: _archetype(r.archetypes[name], rng) for name in r.archetypes}
    lo, hi = RANGES["reach_factor"]
    reach = {
        k: tuple(_round(min(v * rng.uniform(lo, hi), 0.95)) for v in getattr(r, k))
        for k in ("reach_b2b", "reach_b2c")
    }
    scalars = {k: _round(rng.uniform(*RANGES[k])) for k in ("fatigue_phi", "fatigue_beta")}
    scalars["frequency_complaint"] = _round(rng.uniform(*RANGES["frequency_complaint"]))
    return replace(r, archetypes=rows, **reach, **scalars)  # type: ignore[arg-type]


def sample_world(base: WorldSpec, generator_seed: int, index: int) -> WorldSpec:
    """World ``index`` of the family ``generator_seed`` around ``base``."""
    rng = np.random.default_rng(np.random.SeedSequence([generator_seed, index]))
    creditors = tuple(_creditor(c, rng) for c in base.creditors)
    spec = replace(
        base,
        name=f"{base.name}-family{generator_seed}-{index:02d}",
        description=f"World {index} sampled around '{base.name}' with generator seed "
        f"{generator_seed} (simulator/family.py).",
        creditors=creditors,
        response=_response(base.response, rng),
    )
    # validated like a file, and equal to what its file reads back
    return world_from_dict(world_to_dict(spec), spec.name)


def family_worlds(base: WorldSpec, generator_seed: int, n: int) -> list[WorldSpec]:
    return [sample_world(base, generator_seed, i) for i in range(n)]


def write_family(base_path: Path, generator_seed: int, n: int, out: Path) -> list[Path]:
    """Write ``n`` sampled worlds as world files into ``out`` (``<name>.toml``)."""
    base = load_world(base_path)
    header = (
        f"Sampled around {base_path} (generator seed {generator_seed}); see simulator/family.py."
    )
    return [
        write_world(w, out / f"{w.name}.toml", header)
        for w in family_worlds(base, generator_seed, n)
    ]
