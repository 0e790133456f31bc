"""Policies by name: ``ladder``, ``random``, ``oracle``, ``fixed:<channel>/<tone>[/<N>d]`` and any
factory registered with :func:`register_policy` (the learned policy's adapter in ``training/``).

A factory takes the fresh :class:`~simulator.world.World` the policy will run in (the oracle needs
it; honest policies must ignore it) and returns a :class:`~simulator.policies.Policy`.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.enums import Channel, Tone
from simulator.oracle import OraclePolicy
from simulator.policies import FixedActionPolicy, LadderPolicy, Policy, RandomPolicy
from simulator.world import World

PolicyFactory = Callable[[World], Policy]

_REGISTRY: dict[str, PolicyFactory] = {
    "ladder": lambda _w: LadderPolicy(),
    "random": lambda _w: RandomPolicy(),
    "oracle": OraclePolicy,
}


def register_policy(name: str, factory: PolicyFactory) -> None:
    """Make ``name`` available to replay and the CLI (replaces an earlier registration)."""
    _REGISTRY[name] = factory


def policy_names() -> list[str]:
    return [*sorted(_REGISTRY), "fixed:<channel>/<tone>[/<N>d]"]


def fixed_policy_names(every: int = 7) -> list[str]:
    """Every single-action policy (one channel and tone for everyone)."""
    return [f"fixed:{c.value}/{t.value}/{every}d" for c in Channel for t in Tone]


def make_policy(name: str, world: World) -> Policy:
    """The policy called ``name`` for ``world``; ``KeyError`` with the known names otherwise."""
    if name in _REGISTRY:
        return _REGISTRY[name](world)
    if name.startswith("fixed:"):
        parts = name.removeprefix("fixed:").split("/")
        try:
            channel, tone = Channel(parts[0]).value, Tone(parts[1]).value
            every = int(parts[2].rstrip("d")) if len(parts) > 2 else 7
        except (ValueError, IndexError):
            raise KeyError(
                f"bad fixed policy {name!r}: use fixed:<channel>/<tone>[/<N>d]"
            ) from None
        if every < 1:
            raise KeyError(f"bad fixed policy {name!r}: the cadence must be at least 1 day")
        return FixedActionPolicy(channel, tone, every=every)
    raise KeyError(f"unknown policy {name!r}; known: {', '.join(policy_names())}")
