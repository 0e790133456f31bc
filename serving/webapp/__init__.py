"""The web app for the people who run dunning, under ``/app`` in the API's FastAPI service.

Server-rendered (Jinja2, plain HTML forms, one small stylesheet; no JavaScript needed): the
finance person's cockpit and the call agent's worklist. :func:`install` adds the signed session
cookie, the routers (``serving/webapp/routes/``, one per page), the stylesheet and the handlers
that turn "not signed in" into the log-in page and a refusal into a page in the user's language.

Where to put what: a page is a router module in ``routes/`` whose routes depend on
``needs("<area>")`` (:mod:`serving.webapp.access` lists the areas and roles), its template in
``templates/`` extending ``base.html``, its words in :mod:`serving.webapp.messages`, its data
functions in a module named for them; every query takes the user's ``creditor_id``. Every POST
depends on ``FormDep`` (the CSRF check). The tenancy test walks ``app.routes``, so a new page is
covered by it without a line more.
"""

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from serving.webapp.deps import LoginRequiredError, PageError
from serving.webapp.routes import (
    calls,
    debtors,
    login,
    models,
    overview,
    reports,
    segments,
    settings,
)
from serving.webapp.settings import WebappSettings, get_webapp_settings, session_key

ROUTERS = (
    login.router,
    overview.router,
    debtors.router,
    calls.router,
    reports.router,
    settings.router,
    segments.router,
    models.router,
)
COOKIE = "dunflow_session"


def install(app: FastAPI, settings: WebappSettings | None = None) -> None:
    settings = settings or get_webapp_settings()
    app.state.webapp_settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key(settings),
        session_cookie=COOKIE,
        max_age=settings.session_hours * 3600,
        path="/app",
        same_site="lax",
        https_only=settings.secure_cookie,
    )
    for router in ROUTERS:
        app.include_router(router)
    static = Path(__file__).resolve().parent / "static"
    app.mount("/app/static", StaticFiles(directory=static), name="webapp-static")

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, _: LoginRequiredError) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/app"
        return RedirectResponse(f"/app/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PageError)
    async def _refused(request: Request, err: PageError) -> HTMLResponse:
        from serving.webapp.templating import render, translator

        user = getattr(request.state, "app_user", None)
        t = translator(user.language if user else "nl")
        key = {"csrf": "error_csrf", "forbidden": "error_403", "not_found": "error_404"}
        message = t(key[err.message]) if err.message in key else err.message
        return render(
            request, "error.html", user, status_code=err.status, status=err.status, message=message
        )
