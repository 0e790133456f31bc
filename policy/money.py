"""Money as integer cents: parsing, rounding and formatting for the rules.

Every amount the rules compute is an ``int`` of euro cents; fractions of a cent exist only inside a
computation, as :class:`~decimal.Decimal`, and are rounded once, half up. This module must never
use ``float`` for money.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class AmountError(ValueError):
    """A text that should be an amount of money is not one."""


def round_cents(exact_cents: Decimal) -> int:
    """Round an exact number of cents to a whole cent, half up (0.5 → 1, 2.5 → 3)."""
    return int(exact_cents.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_euros(text: str) -> int:
    """``"267.00"`` → 26700 cents. Accepts a comma as the decimal mark; refuses sub-cent amounts,
    negatives, and anything that is not a plain number."""
    cleaned = text.strip().replace(" ", "").replace("€", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AmountError(f"{text!r} is not an amount of money") from None
    if not value.is_finite():
        raise AmountError(f"{text!r} is not an amount of money")
    if value < 0:
        raise AmountError(f"{text!r} is negative")
    if value != value.quantize(CENT):
        raise AmountError(f"{text!r} has more than two decimals")
    return int(value * 100)


def to_decimal_string(cents: int) -> str:
    """26700 → ``"267.00"`` (for JSON: exact, no float)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_eur(cents: int, language: str = "nl") -> str:
    """26700 → ``"€ 267,00"`` (nl) or ``"EUR 267.00"`` (en); thousands grouped."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if language == "nl":
        grouped = f"{whole:,}".replace(",", ".")
        return f"{sign}€ {grouped},{frac:02d}"
    return f"{sign}EUR {whole:,}.{frac:02d}"
