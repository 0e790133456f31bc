"""Jinja2 rendering of the report pages, and their PDF (WeasyPrint).

Templates live in ``serving/reports/templates`` (autoescaped, undefined names are errors). Every
page extends ``base.html``: the creditor's name and logo, the page language, inline CSS, charts as
data URIs, so the HTML is one self-contained file and the PDF looks like the page.
"""

import base64
import mimetypes
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from serving.reports import plots
from serving.reports.decision import DecisionView
from serving.reports.digest_data import DigestData
from serving.reports.event_words import EventWords
from serving.reports.i18n import Lang, Language
from serving.reports.rule_words import model_words, plain

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def logo_uri(path: str | None) -> str | None:
    """The creditor's logo as a data URI (None when unset or unreadable: the name stands alone)."""
    if not path:
        return None
    file = Path(path)
    mime = mimetypes.guess_type(file.name)[0]
    if mime is None or not mime.startswith("image/") or not file.is_file():
        return None
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def _common(
    name: str, logo: str | None, timezone: str, lang: Lang, pdf_href: str | None
) -> dict[str, object]:
    return {
        "pdf_href": pdf_href,
        "L": lang,
        "creditor_name": name,
        "logo": logo_uri(logo),
        "timezone": timezone,
        "generated": datetime.now(ZoneInfo(timezone)),
        "plain": plain,
        "model_words": model_words,
    }


def render_weekly(data: DigestData, language: Language, *, pdf_href: str | None = None) -> str:
    """The digest page; ``pdf_href`` adds a link to its PDF (screen only)."""
    lang = Lang(language)
    dso_chart = plots.dso_trend_png(
        [(lang.short_date(p.week_end), p.dso_days) for p in data.dso_trend], lang
    )
    cash_chart = (
        plots.cash_png(
            [(lang.short_date(w.week_start), w.expected_cents) for w in data.cash_forecast], lang
        )
        if data.cash_forecast
        else None
    )
    return (
        environment()
        .get_template("weekly.html")
        .render(
            **_common(data.creditor_name, data.logo_path, data.timezone, lang, pdf_href),
            d=data,
            dso_chart=dso_chart,
            cash_chart=cash_chart,
        )
    )


def render_decision(view: DecisionView, language: Language, *, pdf_href: str | None = None) -> str:
    """The decision page; ``pdf_href`` adds a link to its PDF (screen only)."""
    lang = Lang(language)
    waterfall = (
        plots.waterfall_png(view.rec.explanation.base_value or 0.0, view.contributions(lang), lang)
        if view.has_shap
        else None
    )
    return (
        environment()
        .get_template("decision.html")
        .render(
            **_common(view.creditor_name, view.logo_path, view.timezone, lang, pdf_href),
            v=view,
            rec=view.rec,
            waterfall=waterfall,
            ev=EventWords(language, view.timezone),
        )
    )


def to_pdf(html: str) -> bytes:
    """The page as PDF (A4, the print CSS in ``base.html``)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
