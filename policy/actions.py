"""The action vocabulary: one proposed contact (or a wait) and the verdict on it.

An :class:`Action` is what the policy may choose and what the scheduler would send; a
:class:`Verdict` is what :func:`policy.guardrails.check` says about it. Both are frozen plain data.
This module must never decide anything; it only names things.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ledger.enums import Channel, Stage, Tone

WAIT_TEMPLATE = "wait"
_new = object.__new__


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


def one_per_tone(
    tones: Iterable[Tone],
    *,
    channel: Channel,
    send_at: datetime,
    stage: Stage,
    invoice_ids: tuple[int, ...],
    cost_cents: int,
    collection_costs_cents: int,
) -> list[Action]:
    """For each tone, ``Action(channel, tone, send_at, stage, template_name(stage, tone,
    channel), invoice_ids, cost_cents, collection_costs_cents)``."""
    # the very objects the constructor makes, made as copy and pickle make them: the candidates
    # make thousands per scoring batch, and a frozen dataclass's __init__ sets each field through
    # object.__setattr__, several times the cost
    shared = {
        "channel": channel,
        "tone": None,
        "send_at": send_at,
        "stage": stage,
        "template": "",
        "invoice_ids": invoice_ids,
        "cost_cents": cost_cents,
        "collection_costs_cents": collection_costs_cents,
        "note": "",
    }
    made = []
    for tone in tones:
        action = _new(Action)
        fields = action.__dict__
        fields.update(shared)
        fields["tone"] = tone
        fields["template"] = _TEMPLATES[stage, tone, channel]
        made.append(action)
    return made


def template_name(stage: Stage, tone: Tone, channel: Channel) -> str:
    return _TEMPLATES[stage, tone, channel]


# every name there is, made once: the candidates ask for one per action they offer
_TEMPLATES = {
    (stage, tone, channel): f"{stage.value}.{tone.value}.{channel.value}"
    for stage in Stage
    for tone in Tone
    for channel in Channel
}


def wait(stage: Stage, now: datetime, note: str = "") -> Action:
    """The action that is always allowed: do nothing now."""
    return Action(None, Tone.NEUTRAL, now, stage, WAIT_TEMPLATE, note=note)
