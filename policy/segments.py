"""Debtor segments (the Incassotool's debtor groups), declared once: :class:`SegmentConfig`.

A segment sets the channels its debtors may get, the tone bounds (``min_tone`` … ``max_tone``,
friendly < neutral < firm), its own ladder, and whether it is excluded from dunning (inter-company
debtors). Its assignment rules (:class:`SegmentRule`: kind, country, open amount, the import's tag,
a list of debtor numbers for the group's own companies) say who belongs: :func:`segment_for` tries
the segments in ``priority`` order and takes the first with a rule that matches. Field names are
the ``ledger.tables.Segment`` columns. The rules read the bounds from the ledger
(:mod:`policy.ledger_state`) and :func:`policy.allowed_actions` offers nothing outside them, so the
learned policy, which chooses among allowed actions only, honours them too. This module must never
read or write the ledger.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ledger.enums import Channel, DebtorKind, Tone
from ledger.plans import CADENCES, PLAN_LABELS, plan_label
from policy.creditor_config import partial_model
from policy.flow_state import TONE_ORDER
from policy.ladder import LadderConfigError, level_to_json, parse_ladder


def tones_between(low: Tone | str | None, high: Tone | str | None) -> frozenset[Tone] | None:
    """The tones from ``low`` to ``high`` (inclusive); None when neither bound is set."""
    if low is None and high is None:
        return None
    lo = TONE_ORDER.index(Tone(low)) if low else 0
    hi = TONE_ORDER.index(Tone(high)) if high else len(TONE_ORDER) - 1
    return frozenset(TONE_ORDER[lo : hi + 1])


class SegmentRule(BaseModel):
    """Who belongs: every condition given must hold (a rule with none matches nobody)."""

    model_config = ConfigDict(extra="forbid")

    kind: DebtorKind | None = Field(default=None, description="b2b or b2c.")
    country: str | None = Field(
        default=None, pattern="^[A-Z]{2}$", description="The debtor's country (ISO 3166, NL)."
    )
    min_open_cents: int | None = Field(
        default=None, ge=0, description="Open amount of the debtor at least this (cents)."
    )
    max_open_cents: int | None = Field(
        default=None, ge=0, description="Open amount of the debtor at most this (cents)."
    )
    tag: str | None = Field(
        default=None, max_length=100, description="The import's label (`segment` column)."
    )
    external_ids: list[str] | None = Field(
        default=None,
        max_length=10_000,
        description="Debtor numbers, e.g. the group's own companies (inter-company).",
    )

    @field_validator("max_open_cents")
    @classmethod
    def _range(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_open_cents")
        if value is not None and low is not None and value < low:
            raise PydanticCustomError(
                "below_minimum",
                "{value} is below {minimum} {low}",
                {"value": value, "minimum": "min_open_cents", "low": low},
            )
        return value

    def matches(self, debtor: "DebtorFacts") -> bool:
        given = self.model_dump(exclude_none=True)
        if not given:
            return False
        checks = (
            self.kind is None or debtor.kind == self.kind,
            self.country is None or debtor.country == self.country,
            self.min_open_cents is None or debtor.open_cents >= self.min_open_cents,
            self.max_open_cents is None or debtor.open_cents <= self.max_open_cents,
            self.tag is None or debtor.tag == self.tag,
            self.external_ids is None or debtor.external_id in self.external_ids,
        )
        return all(checks)


class SegmentConfig(BaseModel):
    """A segment's settings and rules."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Unique per creditor.")
    excluded: bool = Field(default=False, description="Never dunned (inter-company debtors, say).")
    allowed_channels: list[Channel] | None = Field(
        default=None, description="The channels its debtors may get; null: every channel."
    )
    min_tone: Tone | None = Field(default=None, description="Tone at least (friendly < firm).")
    max_tone: Tone | None = Field(default=None, description="Tone at most.")
    default_tone: Tone = Field(default=Tone.NEUTRAL, description="Tone the ladder starts from.")
    ladder: list[dict[str, Any]] | None = Field(
        default=None,
        description='Its own ladder: levels {"days": 3, "channels": ["email"], "tone": '
        '"friendly", "stage": "reminder", "kind": null}; null: the default ladder.',
    )
    priority: int = Field(
        default=100, ge=0, le=10_000, description="Rules are tried lowest priority first."
    )
    rules: list[SegmentRule] | None = Field(
        default=None, description="Who belongs (any rule); null: assigned by hand or by import."
    )
    call_after_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Open a call case this many days past due (an invoice's own value wins); "
        "null: no call cases.",
    )
    plan: str | None = Field(
        default=None,
        max_length=32,
        description="The segment's dunning plan, channel/tone/every N days (phone/neutral/7d), "
        "that the plan learner starts from and keeps unless it expects clearly more; null: "
        "the plan the decision log supports best.",
    )

    @field_validator("max_tone")
    @classmethod
    def _bounds(cls, high: Tone | None, info: ValidationInfo) -> Tone | None:
        low = info.data.get("min_tone")
        if high is not None and low is not None and TONE_ORDER.index(high) < TONE_ORDER.index(low):
            raise PydanticCustomError(
                "below_minimum",
                "{value} is below {minimum} {low}",
                {"value": str(high), "minimum": "min_tone", "low": str(low)},
            )
        return high

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, raw: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        if raw is None:
            return None
        try:
            return [level_to_json(level) for level in parse_ladder(raw)]
        except LadderConfigError as err:
            raise PydanticCustomError("ladder_level", "{problem}", {"problem": str(err)}) from None

    @field_validator("plan")
    @classmethod
    def _plan(cls, raw: str | None, info: ValidationInfo) -> str | None:
        """A plan of the grid (:data:`ledger.plans.PLAN_LABELS`: the plans the learner has) that
        the segment's own bounds allow: its channel among ``allowed_channels``, its tone within
        ``min_tone`` … ``max_tone``."""
        if raw is None or not raw.strip():
            return None
        parts = raw.strip().split("/")
        channel, tone, every = parts if len(parts) == 3 else ("", "", "")
        if channel not in _CHANNELS or tone not in _TONES or not _cadence(every):
            raise PydanticCustomError(
                "plan_format", "{value} is not channel/tone/every N days, e.g. phone/neutral/7d",
                {"value": raw},
            )  # fmt: skip
        label = plan_label(channel, tone, int(every.removesuffix("d")))
        if label not in PLAN_LABELS:  # the format holds, so its cadence is not the grid's
            raise PydanticCustomError(
                "plan_unknown",
                "{value} is not a plan the learner has: every {cadences} days",
                {"value": label, "cadences": "/".join(map(str, CADENCES))},
            )
        allowed = info.data.get("allowed_channels")
        if allowed is not None and Channel(channel) not in allowed:
            raise PydanticCustomError(
                "plan_channel",
                "{channel} is not among the segment's channels",
                {"channel": channel},
            )
        tones = tones_between(info.data.get("min_tone"), info.data.get("max_tone"))
        if tones is not None and Tone(tone) not in tones:
            raise PydanticCustomError(
                "plan_tone", "{tone} is outside the segment's tone bounds", {"tone": tone}
            )
        return label

    @field_validator("allowed_channels")
    @classmethod
    def _channels(cls, values: list[Channel] | None) -> list[Channel] | None:
        if values is not None and not values:
            raise PydanticCustomError("no_channel", "give at least one channel, or set excluded")
        return None if values is None else sorted(set(values))


_CHANNELS = frozenset(c.value for c in Channel)
_TONES = frozenset(t.value for t in Tone)


def _cadence(every: str) -> bool:
    """``every`` reads ``<days>d``, a whole number of days from 1 to 60."""
    days = every.removesuffix("d")
    return every.endswith("d") and days.isdigit() and 1 <= int(days) <= 60


if TYPE_CHECKING:  # to the type checker the patch reads like the segment (its fields, optional)
    SegmentConfigPatch = SegmentConfig
else:
    SegmentConfigPatch = partial_model(SegmentConfig, "SegmentConfigPatch")


@dataclass(frozen=True)
class DebtorFacts:
    """What assignment rules read about a debtor."""

    id: int
    external_id: str
    kind: str
    country: str
    open_cents: int
    tag: str | None


@dataclass(frozen=True)
class RuledSegment:
    id: int
    priority: int
    rules: tuple[SegmentRule, ...]


def ruled(
    rows: Sequence[tuple[int, int, Sequence[Mapping[str, Any]] | None]],
) -> list[RuledSegment]:
    """``(id, priority, rules JSON)`` rows as segments with parsed rules, in the order tried."""
    made = [
        RuledSegment(i, p, tuple(SegmentRule.model_validate(r) for r in rules))
        for i, p, rules in rows
        if rules
    ]
    return sorted(made, key=lambda s: (s.priority, s.id))


def segment_for(debtor: DebtorFacts, segments: Sequence[RuledSegment]) -> int | None:
    """The first segment (in ``priority`` order) with a rule the debtor matches; None: none."""
    for segment in segments:
        if any(rule.matches(debtor) for rule in segment.rules):
            return segment.id
    return None
