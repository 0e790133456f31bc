"""When a debtor may be contacted: the legal window, the creditor's narrower one, the next slot.

Default for every creditor (NL, Bki 4.2): 07:00–20:00 Europe/Amsterdam, Monday to Saturday, never on
a public holiday. BE calls (phone, robocall) additionally only 08:00–22:00 Europe/Brussels. A
creditor's own window applies on top (intersection), so a creditor can only narrow, never widen.
The end minute is exclusive: 20:00:00 itself is outside. This module must never return a time that
some window refuses, and must never refuse without saying why.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from ledger.channels import CALLS
from ledger.enums import Channel, Country
from policy.public_holidays import holiday_name

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEARCH_LIMIT = timedelta(days=400)


class NaiveTimeError(ValueError):
    """A time without a zone reached the rules."""


@dataclass(frozen=True)
class Window:
    """Allowed weekdays (Monday = 0) and a daily [start, end) in minutes, in one time zone."""

    name: str
    timezone: str
    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    holidays: Country | None = None

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def refusals(self, at: datetime) -> list[str]:
        local = at.astimezone(self.zone)
        reasons: list[str] = []
        if local.weekday() not in self.weekdays:
            reasons.append(f"{DAY_NAMES[local.weekday()]} is not a contact day ({self.name})")
        if self.holidays is not None:
            name = holiday_name(self.holidays, local.date())
            if name is not None:
                reasons.append(f"{local.date().isoformat()} is a public holiday: {name}")
        minute = local.hour * 60 + local.minute
        if not self.start_minute <= minute < self.end_minute:
            reasons.append(
                f"{local:%H:%M} is outside {_hhmm(self.start_minute)}–{_hhmm(self.end_minute)} "
                f"{self.timezone} ({self.name})"
            )
        return reasons

    def next_open(self, at: datetime) -> datetime:
        """The first instant at or after ``at`` that this window allows."""
        local = at.astimezone(self.zone)
        day = local.date()
        minute = local.hour * 60 + local.minute
        if self._day_ok(day) and self.start_minute <= minute < self.end_minute:
            return at
        if not (self._day_ok(day) and minute < self.start_minute):
            day += timedelta(days=1)
            for _ in range(400):
                if self._day_ok(day):
                    break
                day += timedelta(days=1)
            else:  # pragma: no cover - only an empty weekday set gets here
                raise ValueError(f"window {self.name} never opens")
        start = time(self.start_minute // 60, self.start_minute % 60)
        return datetime.combine(day, start, tzinfo=self.zone)

    def _day_ok(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        return self.holidays is None or holiday_name(self.holidays, day) is None


@dataclass(frozen=True)
class CreditorWindow:
    """A creditor's own contact settings (a snapshot of the Creditor row)."""

    name: str = "creditor"
    timezone: str = "Europe/Amsterdam"
    allowed_weekdays: frozenset[int] = frozenset(range(6))
    start_minute: int = 7 * 60
    end_minute: int = 20 * 60

    def window(self) -> Window:
        return Window(
            f"creditor {self.name}",
            self.timezone,
            self.allowed_weekdays,
            self.start_minute,
            self.end_minute,
        )


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def legal_windows(country: Country, channel: Channel | None = None) -> tuple[Window, ...]:
    """The windows the law (and our default for every creditor) imposes."""
    return _legal_windows(country, country == Country.BE and channel in CALLS)


@lru_cache(maxsize=8)
def _legal_windows(country: Country, calls: bool) -> tuple[Window, ...]:
    # one tuple per distinct rule set, kept: windows are frozen, each keeps its resolved zone, and
    # channels the law treats alike get the very same windows (cheap to tell apart by identity)
    base = Window(
        "legal default, Bki 4.2",
        "Europe/Amsterdam",
        frozenset(range(6)),
        7 * 60,
        20 * 60,
        Country.NL,
    )
    if country == Country.BE:
        base = Window(
            "legal default, Bki 4.2 applied to BE",
            "Europe/Brussels",
            frozenset(range(6)),
            7 * 60,
            20 * 60,
            Country.BE,
        )
        if calls:
            call_hours = Window(
                "BE Book XIX: no calls 22:00–08:00",
                "Europe/Brussels",
                frozenset(range(7)),
                8 * 60,
                22 * 60,
            )
            return (base, call_hours)
    return (base,)


def windows_for(
    country: Country, channel: Channel | None, creditor: CreditorWindow | None
) -> tuple[Window, ...]:
    return _windows_for(country, country == Country.BE and channel in CALLS, creditor)


@lru_cache(maxsize=1024)
def _windows_for(
    country: Country, calls: bool, creditor: CreditorWindow | None
) -> tuple[Window, ...]:
    windows = _legal_windows(country, calls)
    return windows if creditor is None else (*windows, creditor.window())


def require_aware(at: datetime, what: str = "time") -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveTimeError(f"{what} {at.isoformat()} has no time zone")


def refusals(windows: Iterable[Window], at: datetime) -> list[str]:
    """Why ``at`` is refused (empty when every window allows it)."""
    require_aware(at)
    return [reason for w in windows for reason in w.refusals(at)]


def next_allowed(
    windows: Sequence[Window], at: datetime, *, within: timedelta = SEARCH_LIMIT
) -> datetime | None:
    """The first instant at or after ``at`` that every window allows; None when the windows do
    not open together within ``within`` (e.g. a creditor that allows only Sundays)."""
    require_aware(at)
    t, limit = at, at + within
    while t <= limit:
        moved = False
        for w in windows:
            nxt = w.next_open(t)
            if nxt != t:
                t, moved = nxt, True
        if not moved:
            return t.astimezone(at.tzinfo)
    return None


@dataclass(frozen=True)
class SlotAnswer:
    asked: datetime
    allowed: bool
    next_allowed: datetime | None
    reasons: list[str] = field(default_factory=list)


def next_slot(
    at: datetime,
    *,
    country: Country = Country.NL,
    channel: Channel | None = None,
    creditor: CreditorWindow | None = None,
) -> SlotAnswer:
    """Is ``at`` allowed, and if not, why not and when is the next allowed time."""
    windows = windows_for(country, channel, creditor)
    reasons = refusals(windows, at)
    return SlotAnswer(at, not reasons, next_allowed(windows, at), reasons)
