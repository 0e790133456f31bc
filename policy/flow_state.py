"""Flow state per debtor: everything the rules need to know, as plain frozen data.

A :class:`DebtorState` is built from plain values (the simulator, the API and the property tests
make them directly) or from the ledger with :func:`policy.ledger_state.state_from_ledger`. It
holds facts, never decisions: what is allowed is decided in :mod:`policy.guardrails`. This
module must never read a clock or a database.

To add a channel: add it to ``ledger.enums.Channel`` and its facts (cost, reach, call or message,
sender, law) to ``ledger.channels``, and list the stages that may use it in
``RulesConfig.stage_channels``.
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar, cast, overload
from zoneinfo import ZoneInfo

from ledger.addresses import channel_address
from ledger.channels import default_costs
from ledger.enums import Channel, Country, DebtorKind, InvoiceStatus, Stage, Tone
from policy.contact_window import CreditorWindow, Window, windows_for
from policy.fourteen_day_letter import LetterRecord

STAGE_ORDER: tuple[Stage, ...] = (
    Stage.REMINDER,
    Stage.PRE_COLLECTION,
    Stage.FOURTEEN_DAY_LETTER,
    Stage.COLLECTION,
    Stage.BAILIFF,
)
TONE_ORDER: tuple[Tone, ...] = (Tone.FRIENDLY, Tone.NEUTRAL, Tone.FIRM)  # softest first
DUNNABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.IN_COLLECTION})
LEGAL_ZONE = {Country.NL: "Europe/Amsterdam", Country.BE: "Europe/Brussels"}


T = TypeVar("T")
_UNKNOWN = object()


class _kept_once(Generic[T]):  # noqa: N801 - read as a decorator, like cached_property
    """``functools.cached_property`` without the lock it takes on every first read before Python
    3.12 (which dropped it): a fresh state reads five of these in its first check, and the lock
    made them an eighth of it. Working a value out twice by accident would give the same value."""

    def __init__(self, work: Callable[[Any], T]) -> None:
        self.work = work
        self.name = work.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> "_kept_once[T]": ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> "T | _kept_once[T]":
        if instance is None:
            return self
        found = instance.__dict__[self.name] = self.work(instance)
        return found


_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}


def stage_rank(stage: Stage) -> int:
    return _RANK[stage]


@dataclass(frozen=True)
class CreditorSettings:
    """A snapshot of the creditor's settings that the rules read."""

    name: str = "default"
    country: Country = Country.NL
    timezone: str = "Europe/Amsterdam"
    allowed_weekdays: frozenset[int] = frozenset(range(6))
    contact_start_minute: int = 7 * 60
    contact_end_minute: int = 20 * 60
    channel_costs_cents: Mapping[Channel, int] = field(default_factory=default_costs)
    min_gap_days: int = 3
    vat_deductible: bool = True
    collection_outsourced: bool = False
    language: str = "nl"
    bundle_days: int = 0  # a reminder waits this long for another invoice coming due
    max_contacts_per_debtor: int | None = None  # in any 30 days (sent and planned); None: no limit

    @property
    def enabled_channels(self) -> frozenset[Channel]:
        return frozenset(self.channel_costs_cents)

    def window(self) -> CreditorWindow:
        return CreditorWindow(
            self.name,
            self.timezone,
            self.allowed_weekdays,
            self.contact_start_minute,
            self.contact_end_minute,
        )

    def windows(self, country: Country, channel: Channel) -> tuple[Window, ...]:
        """The contact windows for ``channel`` in ``country``: the law's, then this creditor's."""
        # kept: every debtor of the creditor asks, and the states of a batch share one settings
        known = self._windows
        found = known.get((country, channel))
        if found is None:
            found = known[country, channel] = windows_for(country, channel, self.window())
        return found

    @_kept_once
    def _windows(self) -> dict[tuple[Country, Channel], tuple[Window, ...]]:
        return {}


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    amount_cents: int
    open_amount_cents: int
    due_date: date
    status: InvoiceStatus = InvoiceStatus.OPEN

    def dunnable_on(self, day: date) -> bool:
        """Open (or in collection), money still owed, and past its due date on ``day``."""
        return self.status in DUNNABLE and self.open_amount_cents > 0 and self.due_date < day


def _stage_min_days() -> dict[Stage, int]:
    return {
        Stage.REMINDER: 1,
        Stage.PRE_COLLECTION: 7,
        Stage.FOURTEEN_DAY_LETTER: 14,
        Stage.COLLECTION: 30,
        Stage.BAILIFF: 60,
    }


def _stage_tones() -> dict[Stage, frozenset[Tone]]:
    return {
        Stage.REMINDER: frozenset({Tone.FRIENDLY, Tone.NEUTRAL}),
        Stage.PRE_COLLECTION: frozenset({Tone.NEUTRAL, Tone.FIRM}),
        Stage.FOURTEEN_DAY_LETTER: frozenset({Tone.NEUTRAL, Tone.FIRM}),
        Stage.COLLECTION: frozenset({Tone.FIRM}),
        Stage.BAILIFF: frozenset({Tone.FIRM}),
    }


def _stage_channels() -> dict[Stage, frozenset[Channel]]:
    every = frozenset(Channel)
    return {
        Stage.REMINDER: every,
        Stage.PRE_COLLECTION: every,
        Stage.FOURTEEN_DAY_LETTER: frozenset({Channel.LETTER}),
        Stage.COLLECTION: frozenset({Channel.LETTER, Channel.EMAIL, Channel.PHONE}),
        Stage.BAILIFF: frozenset({Channel.LETTER}),
    }


@dataclass(frozen=True)
class RulesConfig:
    """Knobs of the flow that are ours, not the law's; the law's limits live in the modules.

    ``email_letter_suffices`` is False because it is not settled whether an e-mail-only 14-day
    letter suffices; set it to True only on legal advice (it adds e-mail to that stage).
    """

    promise_grace_days: int = 3
    stage_min_days_overdue: Mapping[Stage, int] = field(default_factory=_stage_min_days)
    stage_tones: Mapping[Stage, frozenset[Tone]] = field(default_factory=_stage_tones)
    stage_channels: Mapping[Stage, frozenset[Channel]] = field(default_factory=_stage_channels)
    email_letter_suffices: bool = False
    horizon_days: int = 30

    def channels_for(self, stage: Stage) -> frozenset[Channel]:
        chans = self.stage_channels[stage]
        if stage == Stage.FOURTEEN_DAY_LETTER and self.email_letter_suffices:
            chans = chans | {Channel.EMAIL}
        return chans


def pause_in_force(latest: str | None, payload: Mapping[str, Any] | None, day: date) -> bool:
    """Whether the dossier is paused on ``day``, from its latest ``paused``/``resumed`` event: a
    pause holds until resumed, or, when it names ``until`` (ISO date), up to the day before it."""
    if latest != "paused":
        return False
    until = (payload or {}).get("until")
    return until is None or day < date.fromisoformat(str(until))


def _days_overdue(state: "DebtorState", day: date) -> int:
    due = [i.due_date for i in state.dunnable(day)]
    return (day - min(due)).days if due else 0


def reachable_channels(
    *, email: str | None, phone: str | None, address_line: str | None, postal_code: str | None
) -> frozenset[Channel]:
    """Which channels the debtor's contact data makes possible: those it holds an address for
    (``ledger.addresses.channel_address`` declares which detail each channel goes to)."""
    return frozenset(
        c
        for c in Channel
        if channel_address(
            c, email=email, phone=phone, address_line=address_line, postal_code=postal_code
        )
    )


@dataclass(frozen=True)
class DebtorState:
    """All the rules need to know about one debtor, at one moment.

    Values derived from the fields alone (the zone, the contact days, the invoices due per day) are
    computed once per state and kept on it: listing and checking the candidates asks for them
    dozens of times. The rule modules keep theirs (collection costs per day, the letter's problems)
    with :meth:`kept`. The fields are frozen, so the kept values cannot go stale; ``replace`` makes
    a new state with none kept.
    """

    debtor_id: int
    kind: DebtorKind
    creditor: CreditorSettings
    invoices: tuple[OpenInvoice, ...]
    country: Country = Country.NL
    language: str = "nl"
    segment: str | None = None
    segment_excluded: bool = False
    segment_ladder: tuple[Mapping[str, Any], ...] | None = None
    segment_channels: frozenset[Channel] | None = None  # None: the segment does not narrow them
    segment_tones: frozenset[Tone] | None = None
    segment_plan: str | None = None  # the segment's stated dunning plan (ledger.plans' label)
    contact_times: tuple[datetime, ...] = ()  # sent and planned contacts, aware
    paused: bool = False
    handed_off: bool = False  # to a collection agency or bailiff: the flow has stopped for good
    disputed: bool = False
    promise_date: date | None = None
    reachable: frozenset[Channel] = frozenset()
    opted_out: frozenset[Channel] = frozenset()
    # addresses a sender or provider found dead for good (bounce, refused, bad number,
    # undeliverable) and that are still the debtor's: ``channel_unusable`` dossier events
    unusable: frozenset[Channel] = frozenset()
    stage: Stage = Stage.REMINDER
    letter: LetterRecord | None = None
    ladder_done: int = 0
    config: RulesConfig = field(default_factory=RulesConfig)

    @_kept_once
    def zone(self) -> ZoneInfo:
        """The zone in which 'a day' is counted (the legal window's)."""
        return ZoneInfo(LEGAL_ZONE[self.country])

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=self.zone)

    @property
    def last_contact_at(self) -> datetime | None:
        return max(self.contact_times, default=None)

    def contact_days(self) -> tuple[date, ...]:
        return self._contact_days

    @_kept_once
    def _contact_days(self) -> tuple[date, ...]:
        return tuple(sorted({self.local_day(t) for t in self.contact_times}))

    def contacts_on(self, day: date) -> int:
        return sum(1 for t in self.contact_times if self.local_day(t) == day)

    def dunnable(self, day: date) -> tuple[OpenInvoice, ...]:
        """The invoices a contact on ``day`` must cover (all of them, bundled)."""
        known = self._dunnable_by_day
        found = known.get(day)
        if found is None:
            found = known[day] = tuple(i for i in self.invoices if i.dunnable_on(day))
        return found

    @_kept_once
    def _dunnable_by_day(self) -> dict[date, tuple[OpenInvoice, ...]]:
        return {}

    def days_overdue(self, day: date) -> int:
        """Days past the due date of the oldest dunnable invoice (0 when none)."""
        return self.kept(_days_overdue, day)

    def promise_blocks_until(self) -> date | None:
        """The last day a promise to pay keeps the dossier quiet (promised date + grace)."""
        if self.promise_date is None:
            return None
        return self.promise_date + timedelta(days=self.config.promise_grace_days)

    def windows(self, channel: Channel) -> tuple[Window, ...]:
        """The contact windows for ``channel``: the law's for the country, then the creditor's."""
        known = self._windows_by_channel
        found = known.get(channel)
        if found is None:
            found = known[channel] = self.creditor.windows(self.country, channel)
        return found

    @_kept_once
    def _windows_by_channel(self) -> dict[Channel, tuple[Window, ...]]:
        return {}

    def kept(self, work: Callable[..., T], *args: Hashable) -> T:
        """``work(self, *args)``, worked out once per state and argument: for the values other
        rule modules derive from the fields alone. ``work`` must return something immutable."""
        key = (work, *args)
        known = self._kept
        found = known.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = known[key] = work(self, *args)
        return cast(T, found)

    @_kept_once
    def _kept(self) -> dict[tuple[Hashable, ...], object]:
        return {}

    def usable_channels(self) -> frozenset[Channel]:
        """Enabled for the creditor, reachable, not opted out, address not found unusable,
        allowed by the segment."""
        usable = (self.creditor.enabled_channels & self.reachable) - self.opted_out - self.unusable
        return usable if self.segment_channels is None else usable & self.segment_channels

    def tones_for(self, stage: Stage) -> frozenset[Tone]:
        """The tones the stage allows, within the segment's bounds."""
        tones = self.config.stage_tones[stage]
        return tones if self.segment_tones is None else tones & self.segment_tones
