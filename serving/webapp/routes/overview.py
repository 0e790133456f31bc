"""``/app``: the Overview (outstanding and its change, aging, DSO trend, cash per week for 4
weeks, reminders next week per channel with their cost, needs attention ranked)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from serving.api.deps import SessionDep
from serving.api.routes.reports import EngineDep
from serving.webapp.deps import AppUser, SettingsDep, needs, today
from serving.webapp.overview import overview_data, ranked, served_policy
from serving.webapp.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    user: Annotated[AppUser, Depends(needs("overview"))],
) -> HTMLResponse:
    policy = served_policy(request, user.creditor_id, user.creditor_name)
    data = overview_data(session, user.creditor_name, today(user, settings), engine, policy)
    dso_max = max([p.dso_days or 0 for p in data.dso_trend] + [1.0])
    return render(
        request,
        "overview.html",
        user,
        d=data,
        dso_max=dso_max,
        attention=ranked(session, user.creditor_id, data.attention_top),
    )
