"""``/app/models``: the policy model's champion and challengers with the gate's verdicts, the
model the API serves now, and the flow's effect measured on the creditor's own logged decisions
(:mod:`..models_view`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from serving.api.deps import SessionDep
from serving.webapp.deps import AppUser, SettingsDep, needs, today
from serving.webapp.gate_words import GateWords
from serving.webapp.models_view import models_view
from serving.webapp.templating import render

router = APIRouter(prefix="/app/models", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def models(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[AppUser, Depends(needs("models"))],
) -> HTMLResponse:
    day = today(user, settings)
    view = models_view(session, user.creditor_id, request.app.state.settings, day)
    served = request.app.state.model_store.current
    gate = GateWords(user.language)
    return render(request, "models.html", user, m=view, served=served, gate=gate)
