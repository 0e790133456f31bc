"""``/app/calls``: the call agent's worklist (:func:`serving.operate.call_cases.worklist`: today's
cases in calling order, the script, the numbers and open invoices) and one-click outcomes (POST
``/app/calls/outcome``, recorded by :func:`serving.operate.call_outcomes.record_call_outcome`, so
the next attempt is the one the rules planned). Another creditor's row key is refused like an
unknown one."""

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select

from ledger.tables import CallAttempt, CallCase, Creditor
from serving.api.deps import SessionDep
from serving.operate.call_cases import worklist
from serving.operate.call_outcomes import CallOutcome, record_call_outcome
from serving.operate.dossier_actions import ActionRefusedError
from serving.reports.i18n import Lang, as_language
from serving.webapp.deps import AppUser, FormDep, SettingsDep, app_now, needs, today
from serving.webapp.error_words import ErrorWords
from serving.webapp.forms import FormError, values
from serving.webapp.templating import render, translator

router = APIRouter(prefix="/app/calls", include_in_schema=False)
Agent = Annotated[AppUser, Depends(needs("calls"))]
ONE_CLICK = ("no_answer", "wants_copy", "complaint", "dispute", "unreachable")


def _page(
    request: Request, session: SessionDep, settings: SettingsDep, user: AppUser,
    *, flash: str | None = None, errors: list[str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    day = today(user, settings)
    items = worklist(session, user.creditor_id, day)
    return render(
        request, "calls.html", user, items=items, day=day, one_click=ONE_CLICK,
        zone=ZoneInfo(user.timezone), flash=flash, errors=errors, status_code=status_code,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
def calls(
    request: Request, session: SessionDep, settings: SettingsDep, user: Agent
) -> HTMLResponse:
    return _page(request, session, settings, user, flash=request.session.pop("flash", None))


def _next_attempt(session: SessionDep, creditor_id: int, key: str) -> CallAttempt | None:
    return session.exec(
        select(CallAttempt)
        .join(CallCase, col(CallCase.id) == CallAttempt.case_id)
        .where(
            CallCase.creditor_id == creditor_id,
            CallCase.key == key,
            CallCase.status == "open",
            col(CallAttempt.outcome).is_(None),
        )
        .order_by(col(CallAttempt.number))
    ).first()


@router.post("/outcome", response_model=None)
def outcome(
    request: Request, form: FormDep, session: SessionDep, settings: SettingsDep, user: Agent
) -> Response:
    creditor = session.get(Creditor, user.creditor_id)
    assert creditor is not None
    try:
        body = CallOutcome.model_validate(values(form))
        record_call_outcome(session, creditor, body, actor=user.actor, now=app_now(user, settings))
    except (ValidationError, ActionRefusedError, FormError) as err:
        session.rollback()
        problems = ErrorWords(user.language).lines(err)
        return _page(request, session, settings, user, errors=problems, status_code=422)
    session.commit()
    t = translator(user.language)
    following = _next_attempt(session, user.creditor_id, body.row_key)
    if following is None:
        note = t("case_closed", outcome=t("outcome_" + body.outcome))
    else:
        when = following.planned_at.astimezone(ZoneInfo(user.timezone))
        at = Lang(as_language(user.language)).date_time(when)
        note = t("next_attempt", n=following.number, at=at)
    request.session["flash"] = note
    return RedirectResponse("/app/calls", status_code=303)
