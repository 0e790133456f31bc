"""Words, money, numbers and dates of the reports in Dutch and English.

One small catalogue per language (``MESSAGES``); templates call ``t("key", **values)``. To add a
language: add its catalogue with every key of ``"en"`` (``tests/serving/reports`` checks the key
sets match), its month names, and its number separators in :class:`Lang`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from serving.reports.messages import MESSAGES, MONTHS

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")


def as_language(value: str | None, default: Language = "nl") -> Language:
    """A supported language from a creditor's setting (anything else: ``default``)."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return default


@dataclass(frozen=True)
class Lang:
    """Formatting and messages for one language, handed to the templates as ``L``."""

    code: Language

    def t(self, key: str, **values: object) -> str:
        text = MESSAGES[self.code][key]
        return text.format(**values) if values else text

    def _group(self, whole: int) -> str:
        grouped = f"{whole:,}"
        return grouped.replace(",", ".") if self.code == "nl" else grouped

    def money(self, cents: int, *, signed: bool = False) -> str:
        """nl: ``€ 1.234,56``; en: ``€1,234.56``; ``signed`` adds ``+`` to positive amounts."""
        sign = "-" if cents < 0 else ("+" if signed and cents > 0 else "")
        whole, frac = divmod(abs(cents), 100)
        if self.code == "nl":
            return f"{sign}€ {self._group(whole)},{frac:02d}"
        return f"{sign}€{self._group(whole)}.{frac:02d}"

    def number(self, value: float, digits: int = 1) -> str:
        text = f"{value:,.{digits}f}"
        if self.code == "nl":
            text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return text

    def percent(self, share: float, digits: int = 1) -> str:
        return f"{self.number(share * 100, digits)}%"

    def long_date(self, day: date | datetime | None) -> str:
        """nl: ``24 november 2026``; en: ``24 November 2026``."""
        if day is None:
            return "—"
        return f"{day.day} {MONTHS[self.code][day.month - 1]} {day.year}"

    def short_date(self, day: date | datetime | None) -> str:
        """nl: ``24-11``; en: ``24 Nov`` (tables and plot axes)."""
        if day is None:
            return "—"
        if self.code == "nl":
            return f"{day.day:02d}-{day.month:02d}"
        return f"{day.day} {MONTHS['en'][day.month - 1][:3]}"

    def date_time(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return f"{self.long_date(moment)} {moment:%H:%M}"
