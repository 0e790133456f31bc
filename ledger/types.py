"""Column types shared by the ledger tables.

``UTCDateTime`` keeps every timestamp timezone-aware in Python and UTC in storage, on SQLite (which
has no time zones) and PostgreSQL alike. A naive datetime is refused rather than guessed at.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import Dialect

#: The largest amount any entry point accepts: 10^15 euros in cents, far inside a BIGINT, so no
#: sum of them overflows; a larger figure is a typo or an attack, never an invoice.
MAX_AMOUNT_CENTS = 10**17
#: The days any entry point accepts for decisions, outcomes and reports: pandas timestamps
#: (features, reports) end in 2262 and a date before 1970 is a typo; inside this range no date
#: arithmetic of the flow (a year back, months ahead) leaves Python's calendar.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)


def in_range(value: date) -> date:
    """A day (or the local day of a time) the flow can compute with (FIRST_DAY..LAST_DAY)."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "must lie between {first} and {last}",
            {"first": FIRST_DAY, "last": LAST_DAY},
        )
    return value


#: A day and an instant of any entry point's input, validated into that range (pydantic).
Day = Annotated[date, AfterValidator(in_range)]
Instant = Annotated[datetime, AfterValidator(in_range)]


class NaiveDatetimeError(ValueError):
    """A timestamp without a time zone reached the ledger."""


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware datetime stored as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.DateTime(timezone=False))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"timestamp {value.isoformat()} has no time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
