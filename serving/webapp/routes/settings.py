"""``/app/settings``: every setting the settings API offers (but the senders' identities), with
its validation and audit (:func:`serving.operate.creditors.patch`: the same checks, their
refusals worded by :mod:`serving.webapp.error_words`; each change a ``settings_changed`` event
naming the user); the latest changes are listed below the form."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ledger.enums import Channel
from ledger.tables import Creditor
from policy.creditor_config import CreditorConfig
from serving.api.deps import SessionDep
from serving.operate import creditors
from serving.webapp.change_words import ChangeWords
from serving.webapp.deps import AppUser, MultiFormDep, needs
from serving.webapp.error_words import ErrorWords
from serving.webapp.forms import FormError
from serving.webapp.settings_form import creditor_patch, current
from serving.webapp.templating import render, translator

router = APIRouter(prefix="/app/settings", include_in_schema=False)
Office = Annotated[AppUser, Depends(needs("settings"))]


def _page(
    request: Request, session: SessionDep, user: AppUser, *, errors: list[str] | None = None,
    flash: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    row = session.get(Creditor, user.creditor_id)
    assert row is not None
    history = creditors.history(session, user.creditor_id, limit=10)
    return render(
        request, "settings.html", user, c=current(CreditorConfig.of(row)),
        channels=[c.value for c in Channel], history=history,
        changed=ChangeWords(user.language, translator(user.language)),
        errors=errors, flash=flash, status_code=status_code,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, user: Office) -> HTMLResponse:
    return _page(request, session, user, flash=request.session.pop("flash", None))


@router.post("", response_model=None)
def change(request: Request, form: MultiFormDep, session: SessionDep, user: Office) -> Response:
    row = session.get(Creditor, user.creditor_id)
    assert row is not None
    try:
        creditors.patch(session, row, creditor_patch(form), actor=user.actor)
    except (ValidationError, FormError) as err:
        session.rollback()
        problems = ErrorWords(user.language).lines(err)
        return _page(request, session, user, errors=problems, status_code=422)
    session.commit()
    request.session["flash"] = translator(user.language)("saved")
    return RedirectResponse("/app/settings", status_code=303)
