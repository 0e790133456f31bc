"""Rendering a page: the Jinja2 templates of ``serving/webapp/templates`` with what every page
needs (the user, their language, the CSRF token, the navigation they may open).

``t(key, **values)`` speaks the user's language (:mod:`serving.webapp.messages`); ``L`` formats
money, numbers and dates as the reports do (:class:`serving.reports.i18n.Lang`); ``plain(reason)``
words a rule's reason (:mod:`serving.reports.rule_words`); ``local(moment)`` is the creditor's
time.
"""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from serving.reports.i18n import Lang, as_language
from serving.reports.rule_words import plain
from serving.webapp.access import NAVIGATION, may
from serving.webapp.deps import AppUser, csrf_token
from serving.webapp.messages import CODES, MESSAGES

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def translator(language: str) -> Any:
    column = CODES.index(as_language(language))

    def t(key: str, **values: object) -> str:
        text = MESSAGES[key][column]
        return text.format(**values) if values else text

    return t


def _local(moment: datetime, user: AppUser | None) -> datetime:
    """A moment in the user's creditor's time zone."""
    return moment.astimezone(ZoneInfo(user.timezone)) if user is not None else moment


def render(
    request: Request,
    template: str,
    user: AppUser | None,
    *,
    status_code: int = 200,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = as_language(language or (user.language if user else None))
    nav = [(area, path) for area, path in NAVIGATION if user is not None and may(user.role, area)]
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "lang": lang,
            "t": translator(lang),
            "L": Lang(lang),
            "csrf": csrf_token(request),
            "nav": nav,
            "path": request.url.path,
            "plain": lambda reason: plain(reason, lang),  # a rule's reason in plain words
            "local": lambda moment: _local(moment, user),
            **context,
        },
        status_code=status_code,
    )
