"""The action vocabulary: one proposed contact (or a wait) and the verdict on it.

An :class:`Action` is what the policy may choose and what the scheduler would send; a
:class:`Verdict` is what :func:`policy.guardrails.check` says about it. Both are frozen plain data.
This module must never decide anything; it only names things.
"""

from dataclasses import dataclass
from datetime import datetime

from ledger.enums import Channel, Stage, Tone

WAIT_TEMPLATE = "wait"


@dataclass(frozen=True)
class Action:
    """One candidate action. ``channel`` None means wait (do nothing now).

    ``cost_cents`` is what sending costs the creditor (the channel's unit cost);
    ``collection_costs_cents`` is what the debtor is told or charged: the amount a 14-day letter
    states, or the costs a collection notice demands. Reminders never carry collection costs.
    """

    channel: Channel | None
    tone: Tone
    send_at: datetime
    stage: Stage
    template: str
    invoice_ids: tuple[int, ...] = ()
    cost_cents: int = 0
    collection_costs_cents: int = 0
    note: str = ""

    @property
    def is_wait(self) -> bool:
        return self.channel is None


@dataclass(frozen=True)
class Verdict:
    """``ok`` or not, and every reason for a refusal (never empty when not ok)."""

    ok: bool
    reasons: tuple[str, ...] = ()

    @classmethod
    def of(cls, reasons: list[str]) -> "Verdict":
        return cls(not reasons, tuple(reasons))


def template_name(stage: Stage, tone: Tone, channel: Channel) -> str:
    return f"{stage.value}.{tone.value}.{channel.value}"


def wait(stage: Stage, now: datetime, note: str = "") -> Action:
    """The action that is always allowed: do nothing now."""
    return Action(None, Tone.NEUTRAL, now, stage, WAIT_TEMPLATE, note=note)
