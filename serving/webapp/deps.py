"""The web app's request plumbing: the signed session, the signed-in user, CSRF and the day.

The session is Starlette's signed cookie (``SessionMiddleware``, installed by
:func:`serving.webapp.install`): HttpOnly, SameSite=Lax, Secure when configured, holding only the
user's id, the password stamp and the CSRF token. Every POST carries the token in a hidden field
(``csrf``) and :data:`FormDep` refuses a form without the session's token (403). A request without
a valid session is sent to the log-in page; a role outside the page's area gets 403.
"""

import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlmodel import Session

from ledger.tables import Creditor, User
from serving.api.deps import SessionDep
from serving.webapp.access import may
from serving.webapp.settings import WebappSettings
from serving.webapp.users import session_stamp


class LoginRequiredError(Exception):
    """No valid session: the handler sends the browser to the log-in page."""


class PageError(Exception):
    """A page answer other than 200 (403 wrong role or bad CSRF token, 404 not this creditor's)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class AppUser:
    id: int
    creditor_id: int
    creditor_name: str
    timezone: str
    email: str
    name: str
    role: str
    language: str

    @property
    def actor(self) -> str:
        """How the dossier's audit names them."""
        return f"user:{self.email}"[:40]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def sign_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session (and CSRF token) at every log-in
    request.session.update(uid=user.id, stamp=session_stamp(user))
    csrf_token(request)


def webapp_settings(request: Request) -> WebappSettings:
    settings: WebappSettings = request.app.state.webapp_settings
    return settings


SettingsDep = Annotated[WebappSettings, Depends(webapp_settings)]


def _user(request: Request, session: Session) -> AppUser:
    uid = request.session.get("uid")
    row = session.get(User, uid) if isinstance(uid, int) else None
    if row is None or request.session.get("stamp") != session_stamp(row):
        request.session.clear()
        raise LoginRequiredError
    creditor = session.get(Creditor, row.creditor_id)
    assert creditor is not None
    assert row.id is not None
    return AppUser(
        id=row.id,
        creditor_id=row.creditor_id,
        creditor_name=creditor.name,
        timezone=creditor.timezone,
        email=row.email,
        name=row.name,
        role=row.role,
        language=row.language,
    )


def needs(area: str) -> Callable[..., Coroutine[Any, Any, AppUser]]:
    """The dependency of a page in ``area``: the signed-in user, allowed there."""

    async def dependency(request: Request, session: SessionDep) -> AppUser:
        user = _user(request, session)
        if not may(user.role, area):
            raise PageError(403, "forbidden")
        request.state.app_user = user
        return user

    return dependency


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF token matches the session's (403 otherwise)."""
    form = await request.form()
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and isinstance(expected, str)) or not hmac.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise PageError(403, "csrf")
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"}


FormDep = Annotated[dict[str, str], Depends(checked_form)]


async def checked_multi_form(request: Request) -> dict[str, list[str]]:
    """Like :data:`FormDep`, keeping every value of a repeated field (checkboxes)."""
    flat = await checked_form(request)
    form = await request.form()
    return {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in flat}


MultiFormDep = Annotated[dict[str, list[str]], Depends(checked_multi_form)]


def app_now(user: AppUser, settings: WebappSettings) -> datetime:
    """The app's clock for this user's creditor: now, or now's time of day on the day pinned by
    ``DUNFLOW_WEBAPP_TODAY`` (demos), so what a person does there lands on that day too."""
    now = datetime.now(ZoneInfo(user.timezone))
    if settings.today is None:
        return now
    return datetime.combine(settings.today, now.timetz())


def today(user: AppUser, settings: WebappSettings) -> date:
    """The app's day for this user's creditor."""
    return app_now(user, settings).date()
