"""``/app/segments``: the creditor's segments (how many debtors each), a new one, and
``/app/segments/{id}`` to change one — with the segments API's models and checks
(:class:`policy.segments.SegmentConfig` through :mod:`serving.operate.segments`, audited), the
refusals worded by :mod:`serving.webapp.error_words`. Another creditor's segment is a 404."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import col, func, select

from ledger.enums import Channel, Tone
from ledger.tables import Debtor, Segment
from policy.segments import SegmentConfig
from serving.api.deps import IdPath, SessionDep
from serving.operate import segments
from serving.webapp.deps import AppUser, MultiFormDep, PageError, needs
from serving.webapp.error_words import ErrorWords
from serving.webapp.forms import FormError
from serving.webapp.settings_form import segment_values
from serving.webapp.templating import render, translator

router = APIRouter(prefix="/app/segments", include_in_schema=False)
Office = Annotated[AppUser, Depends(needs("segments"))]


def _segment(session: SessionDep, user: AppUser, segment_id: int) -> Segment:
    row = session.get(Segment, segment_id)
    if row is None or row.creditor_id != user.creditor_id:
        raise PageError(404, "not_found")
    return row


def _shown(row: Segment | None) -> dict[str, object]:
    if row is None:
        return {"name": "", "allowed_channels": None, "default_tone": "neutral", "priority": 100}
    values = segments.config_of(row).model_dump(mode="json")
    for name in ("rules", "ladder"):
        values[name] = json.dumps(values[name], ensure_ascii=False) if values[name] else ""
    return values


def _page(
    request: Request, session: SessionDep, user: AppUser, row: Segment | None = None, *,
    form: dict[str, object] | None = None, errors: list[str] | None = None,
    flash: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    counts = dict(
        session.exec(
            select(Debtor.segment_id, func.count())
            .where(Debtor.creditor_id == user.creditor_id)
            .group_by(col(Debtor.segment_id))
        ).all()
    )
    rows = session.exec(
        select(Segment)
        .where(Segment.creditor_id == user.creditor_id)
        .order_by(col(Segment.priority), col(Segment.name))
    ).all()
    return render(
        request, "segments.html", user, rows=rows, counts=counts, editing=row,
        s=form or _shown(row), channels=[c.value for c in Channel], tones=[t.value for t in Tone],
        errors=errors, flash=flash, status_code=status_code,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
def list_segments(request: Request, session: SessionDep, user: Office) -> HTMLResponse:
    return _page(request, session, user, flash=request.session.pop("flash", None))


@router.get("/{segment_id}", response_class=HTMLResponse)
def edit_segment(
    request: Request, segment_id: IdPath, session: SessionDep, user: Office
) -> HTMLResponse:
    return _page(request, session, user, _segment(session, user, segment_id))


def _save(
    request: Request, form: dict[str, list[str]], session: SessionDep, user: AppUser,
    row: Segment | None,
) -> Response:  # fmt: skip
    shown: dict[str, object] = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    try:
        values = segment_values(form)
        if row is None:
            segments.create(session, user.creditor_id, SegmentConfig(**values), actor=user.actor)
        else:
            segments.patch(session, row, values, actor=user.actor)
    except (ValidationError, FormError, segments.SegmentExistsError) as err:
        session.rollback()
        problems = ErrorWords(user.language).lines(err)
        return _page(request, session, user, row, form=shown, errors=problems, status_code=422)
    session.commit()
    request.session["flash"] = translator(user.language)("saved")
    return RedirectResponse("/app/segments", status_code=303)


@router.post("", response_model=None)
def create_segment(
    request: Request, form: MultiFormDep, session: SessionDep, user: Office
) -> Response:
    return _save(request, form, session, user, None)


@router.post("/{segment_id}", response_model=None)
def change_segment(
    request: Request, segment_id: IdPath, form: MultiFormDep, session: SessionDep, user: Office
) -> Response:
    return _save(request, form, session, user, _segment(session, user, segment_id))
