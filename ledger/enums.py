"""The ledger's vocabularies: kinds, channels, tones, stages and statuses.

Stored as plain strings so migrations never fight database enum types. Every package that speaks
of a channel or a stage uses these, so the simulator, the rules and the API agree on the words.
"""

from enum import StrEnum


class DebtorKind(StrEnum):
    B2B = "b2b"
    B2C = "b2c"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    PHONE = "phone"
    ROBOCALL = "robocall"


class Tone(StrEnum):
    FRIENDLY = "friendly"
    NEUTRAL = "neutral"
    FIRM = "firm"


class Stage(StrEnum):
    REMINDER = "reminder"
    PRE_COLLECTION = "pre_collection"
    FOURTEEN_DAY_LETTER = "fourteen_day_letter"
    COLLECTION = "collection"
    BAILIFF = "bailiff"


STAGE_WORDS: dict[str, tuple[str, str]] = {
    Stage.REMINDER.value: ("herinnering", "reminder"),
    Stage.PRE_COLLECTION.value: ("aanmaning", "pre-collection reminder"),
    Stage.FOURTEEN_DAY_LETTER.value: ("14-dagenbrief", "14-day letter"),
    Stage.COLLECTION.value: ("incasso", "collection"),
    Stage.BAILIFF.value: ("deurwaarder", "bailiff"),
}
"""Each stage in words (Dutch, English), declared once: the web app, the reports, the rules'
reasons and the models' explanations name a stage the same way."""


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DISPUTED = "disputed"
    PAUSED = "paused"
    WRITTEN_OFF = "written_off"
    IN_COLLECTION = "in_collection"


class ContactStatus(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"  # claimed by a dispatcher under a lease
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutcomeKind(StrEnum):
    PAID = "paid"
    PROMISE = "promise"
    DISPUTE = "dispute"
    WANTS_COPY = "wants_copy"
    UNREACHABLE = "unreachable"
    COMPLAINT = "complaint"


class Country(StrEnum):
    NL = "NL"
    BE = "BE"


class UserRole(StrEnum):
    """What a web-app user does: finance runs the flow, a call agent works the call list, an admin
    also manages the creditor's users."""

    FINANCE = "finance"
    CALL_AGENT = "call_agent"
    ADMIN = "admin"
