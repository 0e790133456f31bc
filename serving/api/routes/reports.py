"""The client's pages: ``/reports/weekly`` (+ ``.pdf``), ``/reports/decisions/{id}`` (+ ``.pdf``),
and ``POST /reports/links`` to make a signed, expiring link to one of them.

Who may look: the creditor of an API key (``X-API-Key``), or whoever holds a signed link
(``?creditor=…&exp=…&sig=…``, see :mod:`serving.reports.links`); an expired or altered link is a
403 naming ``query.exp`` or ``query.sig``. Another creditor's recommendation is a 404, exactly
like a missing one. Pages are server-rendered (Jinja2); rendering is CPU work, so the routes are
plain ``def`` and run in the thread pool.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import HTMLResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from ledger.tables import Creditor
from ledger.types import Day
from serving.api.deps import SessionDep, creditor_of, get_engine, principal_of
from serving.api.errors import ApiError
from serving.reports.decision import DecisionNotFoundError
from serving.reports.links import LinkError, signed_query, verify
from serving.reports.served_policy import forecast_policy
from serving.reports.service import decision_page, render_weekly_page, weekly_digest
from serving.reports.settings import ReportsSettings, get_reports_settings

router = APIRouter(prefix="/reports", tags=["reports"])
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
Lang = Literal["nl", "en"]


def reports_settings() -> ReportsSettings:
    """Overridable in tests: ``app.dependency_overrides[reports_settings]``."""
    return get_reports_settings()


SettingsDep = Annotated[ReportsSettings, Depends(reports_settings)]


def report_creditor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str | None, Security(_key_header)] = None,
    creditor: Annotated[int | None, Query(ge=1, description="Signed links: the creditor.")] = None,
    exp: Annotated[int | None, Query(description="Signed links: expiry, Unix seconds.")] = None,
    sig: Annotated[str | None, Query(max_length=128, description="Signed links: HMAC.")] = None,
) -> int:
    """The creditor whose report this is: from a signed link when ``sig`` is given, else the key."""
    if sig is None and exp is None:
        return creditor_of(principal_of(session, key))
    for name, value in (("creditor", creditor), ("exp", exp), ("sig", sig)):
        if value is None:
            raise ApiError(403, f"query.{name}", f"a signed link needs '{name}'")
    assert creditor is not None
    assert exp is not None
    assert sig is not None
    if not sig.isascii():  # hmac.compare_digest refuses non-ASCII text with a TypeError
        raise ApiError(
            403, "query.sig", "the link's signature does not match (altered or not ours)"
        )
    try:
        verify(request.url.path, creditor, exp, sig, secret=settings.secret.get_secret_value())
    except LinkError as err:
        raise ApiError(403, f"query.{err.field}", err.problem) from err
    return creditor


ReportCreditorDep = Annotated[int, Depends(report_creditor)]
EngineDep = Annotated[Engine, Depends(get_engine)]
AsOf = Annotated[
    Day | None, Query(description="Digest day YYYY-MM-DD, 1970-2199 (default: today).")
]
LangQ = Annotated[Lang | None, Query(description="nl or en (default: the creditor's).")]


def _creditor(session: SessionDep, creditor_id: int) -> Creditor:
    row = session.get(Creditor, creditor_id)
    if row is None:
        raise ApiError(404, "query.creditor", "creditor not found")
    return row


def _pdf_href(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}.pdf" + (f"?{query}" if query else "")


def _weekly_html(
    request: Request,
    session: SessionDep,
    engine: Engine,
    creditor_id: int,
    as_of: date | None,
    lang: str | None,
    settings: ReportsSettings,
    pdf_href: str | None,
) -> tuple[str, str]:
    creditor = _creditor(session, creditor_id)
    day = as_of or datetime.now(ZoneInfo(creditor.timezone)).date()
    # next week's reminders forecast by the model this API serves, as on the app's Overview
    state = request.app.state
    policy = forecast_policy(
        state.model_store.current, state.recommender.snapshots, creditor_id, creditor.name
    )
    data = weekly_digest(
        session,
        creditor_name=creditor.name,
        as_of=day,
        settings=settings,
        engine=engine,
        policy=policy,
    )
    return render_weekly_page(data, lang, creditor, pdf_href=pdf_href).html, day.isoformat()


@router.get("/weekly", response_class=HTMLResponse, summary="The weekly digest (HTML)")
def weekly(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    creditor_id: ReportCreditorDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    lang: LangQ = None,
) -> HTMLResponse:
    html, _ = _weekly_html(
        request, session, engine, creditor_id, as_of, lang, settings, _pdf_href(request)
    )
    return HTMLResponse(html)


@router.get("/weekly.pdf", summary="The weekly digest (PDF)", response_class=Response)
def weekly_pdf(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    creditor_id: ReportCreditorDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    lang: LangQ = None,
) -> Response:
    from serving.reports.render import to_pdf

    html, day = _weekly_html(request, session, engine, creditor_id, as_of, lang, settings, None)
    return _pdf(to_pdf(html), f"weekly-{day}.pdf")


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _decision(
    session: SessionDep, creditor_id: int, rec_id: str, lang: str | None, pdf_href: str | None
) -> str:
    try:
        return decision_page(
            session,
            creditor_id=creditor_id,
            recommendation_id=rec_id,
            language=lang,
            pdf_href=pdf_href,
        ).html
    except DecisionNotFoundError as err:
        raise ApiError(404, "path.recommendation_id", str(err)) from err


@router.get(
    "/decisions/{recommendation_id}.pdf",
    summary="One decision explained (PDF)",
    response_class=Response,
)
def decision_pdf(
    recommendation_id: str, session: SessionDep, creditor_id: ReportCreditorDep, lang: LangQ = None
) -> Response:
    from serving.reports.render import to_pdf

    html = _decision(session, creditor_id, recommendation_id, lang, None)
    return _pdf(to_pdf(html), f"decision-{recommendation_id}.pdf")


@router.get(
    "/decisions/{recommendation_id}",
    response_class=HTMLResponse,
    summary="One decision explained (HTML)",
    operation_id="decision_report",
)
def decision(
    recommendation_id: str,
    request: Request,
    session: SessionDep,
    creditor_id: ReportCreditorDep,
    lang: LangQ = None,
) -> HTMLResponse:
    return HTMLResponse(
        _decision(session, creditor_id, recommendation_id, lang, _pdf_href(request))
    )


class LinkIn(BaseModel):
    path: str = Field(
        pattern=r"^/reports/(weekly|decisions/[A-Za-z0-9_-]{1,36})(\.pdf)?$",
        description="The report to link to, e.g. /reports/weekly or /reports/decisions/<id>.",
    )
    ttl_seconds: int | None = Field(default=None, ge=60, le=90 * 24 * 3600)


class LinkOut(BaseModel):
    url: str = Field(description="Path and signed query; add &lang=… or &as_of=… freely.")
    expires_at: datetime


@router.post("/links", summary="A signed, expiring link to a report (for the API key's creditor)")
def create_link(
    body: LinkIn,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str | None, Security(_key_header)] = None,
) -> LinkOut:
    creditor_id = creditor_of(principal_of(session, key))
    if body.path.startswith("/reports/decisions/"):
        rec_id = body.path.removeprefix("/reports/decisions/").removesuffix(".pdf")
        _decision_exists(session, creditor_id, rec_id)
    secret = settings.secret.get_secret_value()
    if not secret:
        raise ApiError(503, "settings.DUNFLOW_REPORTS_SECRET", "signed links are not configured")
    ttl = body.ttl_seconds or settings.link_ttl_seconds
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=ttl)
    query = signed_query(body.path, creditor_id, expires, secret=secret)
    return LinkOut(url=f"{body.path}?{query}", expires_at=expires)


def _decision_exists(session: SessionDep, creditor_id: int, rec_id: str) -> None:
    from ledger.tables import Recommendation

    row = session.get(Recommendation, rec_id)
    if row is None or row.creditor_id != creditor_id:
        raise ApiError(404, "body.path", f"recommendation {rec_id!r} not found")
