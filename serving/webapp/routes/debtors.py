"""``/app/debtors`` (search, filter, sort, pages) and ``/app/debtors/{id}`` (the dossier), its
actions (POST ``…/actions``: pause, resume, dispute, resolve, promise, note — the API's
:data:`~serving.operate.dossier_actions.DossierAction`, same validation) and a contact's document
(``…/contacts/{contact_id}/document``: the letter as PDF, the e-mail's text) and "send now" (POST
``…/send-now``: :mod:`serving.webapp.send_now`, refused with the rules' reasons in plain words).
Another creditor's debtor or contact is a 404, like a missing one."""

from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel import select

from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, Invoice
from serving.api.deps import IdPath, SessionDep
from serving.operate.dossier_actions import ActionRefusedError, DossierAction, act
from serving.reports.i18n import Lang, as_language
from serving.reports.rule_words import plain
from serving.webapp.access import may
from serving.webapp.debtors import DebtorQuery, debtor_page
from serving.webapp.deps import AppUser, FormDep, PageError, SettingsDep, app_now, needs
from serving.webapp.dossier_view import DOCUMENT_CHANNELS, debtor_of, dossier_view
from serving.webapp.error_words import ErrorWords
from serving.webapp.forms import FormError, values
from serving.webapp.send_now import SendNowRefusedError, plan_send_now
from serving.webapp.templating import render, translator

router = APIRouter(prefix="/app/debtors", include_in_schema=False)
_ACTION = TypeAdapter(DossierAction)
Reader = Annotated[AppUser, Depends(needs("dossier"))]
Actor = Annotated[AppUser, Depends(needs("act"))]


@router.get("", response_class=HTMLResponse)
def debtors(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[AppUser, Depends(needs("debtors"))],
    query: Annotated[DebtorQuery, Query()],
) -> HTMLResponse:
    page = debtor_page(
        session, user.creditor_id, app_now(user, settings), query, settings.page_size
    )
    base = {k: v for k, v in query.model_dump().items() if v not in (None, "") and k != "page"}
    return render(request, "debtors.html", user, p=page, query=query, base=base)


def _dossier_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: AppUser, debtor_id: int,
    *, errors: list[str] | None = None, flash: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    now = app_now(user, settings)
    view = dossier_view(session, user.creditor_id, debtor_id, now, user.timezone, user.language)
    if view is None:
        raise PageError(404, "not_found")
    return render(
        request, "dossier.html", user, v=view, may_act=may(user.role, "act"),
        errors=errors, flash=flash, status_code=status_code,
    )  # fmt: skip


@router.get("/{debtor_id}", response_class=HTMLResponse)
def dossier_page(
    request: Request, debtor_id: IdPath, session: SessionDep, settings: SettingsDep, user: Reader
) -> HTMLResponse:
    done = request.query_params.get("done")
    flash = f"{done} ✓" if done and done.isidentifier() else None
    if done == "send_now":
        flash = translator(user.language)("send_now_done")
    return _dossier_page(request, session, settings, user, debtor_id, flash=flash)


class _RefusedError(Exception):
    """A dossier step refused, with what to tell the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _on_dossier(
    request: Request, session: SessionDep, settings: SettingsDep, user: AppUser, debtor_id: int,
    step: Callable[[Debtor], str],
) -> Response:  # fmt: skip
    """Run ``step`` on the user's debtor (another creditor's is a 404, like a missing one):
    committed and back to the dossier with ``done=<what step returns>``, or, refused, rolled
    back and the dossier shown with the problems (422)."""
    debtor = debtor_of(session, user.creditor_id, debtor_id)
    if debtor is None:
        raise PageError(404, "not_found")
    try:
        done = step(debtor)
    except _RefusedError as err:
        session.rollback()
        return _dossier_page(
            request, session, settings, user, debtor_id, errors=err.problems, status_code=422
        )
    session.commit()
    return RedirectResponse(f"/app/debtors/{debtor_id}?done={done}", status_code=303)


@router.post("/{debtor_id}/actions", response_model=None)
def dossier_action(
    request: Request,
    debtor_id: IdPath,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    user: Actor,
) -> Response:
    def step(debtor: Debtor) -> str:
        try:
            raw: dict[str, Any] = values(form)
            if "invoice_numbers" in raw:
                raw["invoice_numbers"] = [n.strip() for n in raw["invoice_numbers"].split(",")]
            action = _ACTION.validate_python(raw)
            act(session, debtor, action, actor=user.actor, now=app_now(user, settings))
        except (ValidationError, ActionRefusedError, FormError) as err:
            raise _RefusedError(ErrorWords(user.language).lines(err, tagged=True)) from err
        return action.action

    return _on_dossier(request, session, settings, user, debtor_id, step)


@router.post("/{debtor_id}/send-now", response_model=None)
def dossier_send_now(
    request: Request,
    debtor_id: IdPath,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    user: Actor,
) -> Response:
    def step(debtor: Debtor) -> str:
        creditor = session.get(Creditor, user.creditor_id)
        if creditor is None:
            raise PageError(404, "not_found")
        try:
            plan_send_now(session, creditor, debtor, actor=user.actor, now=app_now(user, settings))
        except SendNowRefusedError as err:
            language = as_language(user.language)
            t = translator(language)
            problems = [t("send_now_refused")] + [plain(r, language) for r in err.reasons]
            if err.earliest is not None:
                at = err.earliest.astimezone(ZoneInfo(user.timezone))
                problems.append(t("send_now_earliest", at=Lang(language).date_time(at)))
            raise _RefusedError(problems) from err
        return "send_now"

    return _on_dossier(request, session, settings, user, debtor_id, step)


@router.get("/{debtor_id}/contacts/{contact_id}/document", response_model=None)
def document(debtor_id: IdPath, contact_id: IdPath, session: SessionDep, user: Reader) -> Response:
    from serving.senders.documents import letter_pdf
    from serving.senders.from_ledger import message_for_contact
    from serving.senders.rendering import context, render_copy

    debtor = debtor_of(session, user.creditor_id, debtor_id)
    contact = session.get(Contact, contact_id)
    if (
        debtor is None
        or contact is None
        or contact.debtor_id != debtor.id
        or contact.channel not in DOCUMENT_CHANNELS
    ):
        raise PageError(404, "not_found")
    creditor = session.get(Creditor, user.creditor_id)
    assert creditor is not None
    invoices = session.exec(
        select(Invoice)
        .join(ContactInvoice, ContactInvoice.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .where(ContactInvoice.contact_id == contact.id, Invoice.creditor_id == user.creditor_id)
    ).all()
    message = message_for_contact(
        contact,
        creditor=creditor,
        debtor=debtor,
        invoices=invoices,
        send_at=contact.sent_at or contact.scheduled_at or contact.created_at,
    )
    if contact.channel == "letter":
        return Response(letter_pdf(message), media_type="application/pdf")
    copy = render_copy(message, context(message))
    text = "\n\n".join((f"Subject: {copy.subject}", *copy.before, *copy.after))
    return Response(text, media_type="text/plain; charset=utf-8")
