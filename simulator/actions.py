"""The action space: (channel, tone, send-hour slot) or wait, as integer indices.

Action ``i`` in ``0..N_ACTIONS-1`` is ``ACTIONS[i]``; ``WAIT`` (-1) means no contact today. Arrays
``CHANNEL_OF``, ``TONE_OF`` and ``SLOT_OF`` map an index to its parts so models can be vectorised.
To add a channel: add it to ``ledger.enums.Channel``, to ``params.CHANNELS`` with its lift, dispute,
complaint and cost entries, and to :func:`simulator.world.World.channel_available`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ledger.enums import Channel, Tone
from simulator.config import HOURS
from simulator.params import CHANNELS, TONES

WAIT = -1


@dataclass(frozen=True)
class Action:
    channel: Channel
    tone: Tone
    hour: int

    @property
    def label(self) -> str:
        return f"{self.channel.value}/{self.tone.value}/{self.hour:02d}h"


ACTIONS: tuple[Action, ...] = tuple(Action(c, t, h) for c in CHANNELS for t in TONES for h in HOURS)
N_ACTIONS = len(ACTIONS)
CHANNEL_OF = np.array([CHANNELS.index(a.channel) for a in ACTIONS], dtype=np.int64)
TONE_OF = np.array([TONES.index(a.tone) for a in ACTIONS], dtype=np.int64)
SLOT_OF = np.array([HOURS.index(a.hour) for a in ACTIONS], dtype=np.int64)


def cost_per_action(costs_cents: dict[str, int]) -> NDArray[np.int64]:
    """The cost of every action (cents, ``N_ACTIONS``) from a world's cost per channel."""
    return np.array([costs_cents[c.value] for c in CHANNELS], dtype=np.int64)[CHANNEL_OF]


def action_index(channel: Channel | str, tone: Tone | str, hour: int) -> int:
    """The index of an action; ``ValueError`` when it is not in the space."""
    want = Action(Channel(channel), Tone(tone), hour)
    try:
        return ACTIONS.index(want)
    except ValueError:
        raise ValueError(f"no action {want.label} (hours: {HOURS})") from None
