"""``/app/login`` (GET the form, POST it), ``/app/logout`` and ``/app/language``.

A refused log-in answers 401 with the form again (429 once the limit is reached); nothing tells
whether the e-mail address exists. ``next`` only ever leads to a path under ``/app``.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ledger.tables import User
from serving.api.deps import SessionDep
from serving.webapp.deps import AppUser, FormDep, SettingsDep, needs, sign_in
from serving.webapp.templating import render, translator
from serving.webapp.users import Limits, LoginRefusedError, log_in

router = APIRouter(prefix="/app", include_in_schema=False)


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/app") and not value.startswith("//"):
        return value
    return "/app"


def _browser_language(request: Request) -> str:
    """Before log-in the app speaks the browser's first language it knows (Dutch otherwise)."""
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "nl"


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> HTMLResponse:
    lang = _browser_language(request)
    return render(request, "login.html", None, language=lang, next=_safe_next(next), email="")


@router.post("/login", response_model=None)
def login(
    request: Request, form: FormDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse | RedirectResponse:
    email = form.get("email", "")
    limits = Limits(settings.login_limit, timedelta(minutes=settings.login_window_minutes))
    ip = request.client.host if request.client else "?"
    try:
        user = log_in(session, email=email, password=form.get("password", ""), ip=ip, limits=limits)
    except LoginRefusedError as err:
        session.commit()  # the audit keeps refused attempts too
        lang = _browser_language(request)
        if err.limited:
            problem = translator(lang)("login_limited", minutes=settings.login_window_minutes)
        else:
            problem = translator(lang)("login_wrong")
        return render(
            request,
            "login.html",
            None,
            language=lang,
            status_code=429 if err.limited else 401,
            next=_safe_next(form.get("next")),
            email=email,
            errors=[problem],
        )
    session.commit()
    sign_in(request, user)
    return RedirectResponse(_safe_next(form.get("next")), status_code=303)


@router.post("/logout")
def logout(request: Request, _: FormDep) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/app/login", status_code=303)


@router.post("/language")
def language(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: Annotated[AppUser, Depends(needs("overview"))],
) -> RedirectResponse:
    row = session.get(User, user.id)
    if row is not None and form.get("language") in ("nl", "en"):
        row.language = form["language"]
        session.add(row)
        session.commit()
    back = request.headers.get("referer", "/app")
    path = back.split(request.url.netloc, 1)[-1] if request.url.netloc in back else "/app"
    return RedirectResponse(_safe_next(path), status_code=303)
