"""The dunning plans there are, declared once: channel x tone x every N days, and waiting.

A plan is a channel, a tone and a cadence (the same contact every ``every`` days from
:data:`ledger.checkpoints.FIRST_DPD` days past due). The grid below is every plan the simulator's
baselines search, the plan learner chooses among (its arms: the plans and :data:`WAIT_LABEL`) and
a creditor may state as a segment's plan (``policy.segments.SegmentConfig.plan``). Declared in the
ledger because all three read it and may not import each other: :mod:`simulator.plans` and
``simulator.checkpoints`` derive their tables from it, and a segment's plan is validated against
it where the ledger's settings are. The cadences start at 7 days: a shorter one breaks the default
contact budget (5 contacts in 30 days) for any debtor who stays unpaid.
"""

from ledger.channels import CHANNELS as CHANNEL_FACTS
from ledger.enums import Channel, Tone

PLAN_CHANNELS: tuple[Channel, ...] = tuple(f.channel for f in CHANNEL_FACTS)  # ledger.channels'
PLAN_TONES: tuple[Tone, ...] = (Tone.FRIENDLY, Tone.NEUTRAL, Tone.FIRM)  # softest first
CADENCES: tuple[int, ...] = (7, 10, 14, 21)
"""The plans' cadences, in days between contacts."""
WAIT_LABEL = "wait"
"""The arm that contacts no one until the next checkpoint."""


def plan_label(channel: str, tone: str, every: int) -> str:
    """A plan's label, ``channel/tone/<every>d`` (``phone/neutral/7d``): how it is stated and
    logged."""
    return f"{channel}/{tone}/{every}d"


PLAN_LABELS: tuple[str, ...] = tuple(
    plan_label(c.value, t.value, every)
    for c in PLAN_CHANNELS
    for t in PLAN_TONES
    for every in CADENCES
)
"""The grid, channel-major then tone then cadence: 5 channels x 3 tones x 4 cadences = 60 plans."""
ARM_LABELS: tuple[str, ...] = (*PLAN_LABELS, WAIT_LABEL)
"""The plan learner's arms: arm ``k`` is ``PLAN_LABELS[k]``, the last one waits."""
