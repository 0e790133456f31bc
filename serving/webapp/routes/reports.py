"""``/app/reports`` (the weekly digest as of the app's day) and ``/app/reports/decisions/{id}``
(one decision explained), in the user's language, for the user's creditor only: the reports'
own pages (:mod:`serving.reports.service`), reached with the app's session instead of a key or a
signed link. Another creditor's decision is a 404."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from ledger.tables import Creditor
from serving.api.deps import SessionDep
from serving.api.routes.reports import EngineDep
from serving.reports.decision import DecisionNotFoundError
from serving.reports.service import decision_page, render_weekly_page
from serving.webapp.deps import AppUser, PageError, SettingsDep, needs, today
from serving.webapp.overview import overview_data, served_policy

router = APIRouter(prefix="/app/reports", include_in_schema=False)
Office = Annotated[AppUser, Depends(needs("reports"))]


@router.get("", response_class=HTMLResponse)
def weekly(
    request: Request, session: SessionDep, engine: EngineDep, settings: SettingsDep, user: Office
) -> HTMLResponse:
    creditor = session.get(Creditor, user.creditor_id)
    assert creditor is not None
    policy = served_policy(request, user.creditor_id, creditor.name)
    data = overview_data(session, creditor.name, today(user, settings), engine, policy)
    return HTMLResponse(render_weekly_page(data, user.language, creditor).html)


@router.get("/decisions/{recommendation_id}", response_class=HTMLResponse)
def decision(
    recommendation_id: Annotated[str, Path(max_length=36)], session: SessionDep, user: Office
) -> HTMLResponse:
    try:
        page = decision_page(
            session,
            creditor_id=user.creditor_id,
            recommendation_id=recommendation_id,
            language=user.language,
        )
    except DecisionNotFoundError:
        raise PageError(404, "not_found") from None
    return HTMLResponse(page.html)
