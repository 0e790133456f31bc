"""How amounts, dates, languages and file names look in what the senders produce.

Money is integer cents in, text out: ``€ 1.234,56`` (nl), ``€1,234.56`` (en); never a float.
This module must never round an amount: it only formats the cents it is given.
"""

import hashlib
import re
from datetime import date

LANGUAGES = ("nl", "en")
_NL_MONTHS = "januari februari maart april mei juni juli augustus september oktober november"
_EN_MONTHS = "January February March April May June July August September October November"
_MONTHS = {  # not calendar.month_name: that follows the process locale
    "nl": (*_NL_MONTHS.split(" "), "december"),
    "en": (*_EN_MONTHS.split(" "), "December"),
}
_SYMBOLS = {"EUR": "€"}


def resolve_language(*candidates: str | None) -> str:
    """The first candidate we have texts for (``nl-BE`` counts as ``nl``), else English."""
    for candidate in candidates:
        short = (candidate or "").lower()[:2]
        if short in LANGUAGES:
            return short
    return "en"


def format_money(cents: int, language: str, currency: str = "EUR") -> str:
    """12345678 → ``€ 123.456,78`` (nl) or ``€123,456.78`` (en); other currencies by code."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    symbol = _SYMBOLS.get(currency.upper())
    if language == "nl":
        number = f"{whole:,}".replace(",", ".") + f",{frac:02d}"
        return f"{sign}{symbol} {number}" if symbol else f"{sign}{currency.upper()} {number}"
    number = f"{whole:,}.{frac:02d}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency.upper()} {number}"


def format_date(day: date, language: str) -> str:
    """``31 januari 2026`` (nl) or ``31 January 2026`` (en)."""
    return f"{day.day} {_MONTHS[resolve_language(language)][day.month - 1]} {day.year}"


def safe_name(key: str) -> str:
    """A file name for an idempotency key: readable, and unique even when two keys differ only
    in characters a file name cannot hold (a short hash of the key is appended)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")[:80] or "message"
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


_COUNTRY_CODES = {"NL": "31", "BE": "32", "DE": "49", "FR": "33", "GB": "44"}


def normalise_phone(phone: str, country: str | None) -> str:
    """``06-1234 5678`` (NL) → ``+31612345678``; ``0032...`` → ``+32...``; else digits as given."""
    raw = phone.strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    code = _COUNTRY_CODES.get((country or "NL").upper())
    if digits.startswith("0") and code:
        return f"+{code}{digits[1:]}"
    return digits
