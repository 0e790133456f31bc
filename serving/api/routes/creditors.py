"""``/v1/creditors``: create a creditor (admin key), read and change its settings, and read the
audited history of changes; ``POST /{id}/keys`` (admin key) gives the creditor an API key. A
creditor's key sees and changes its own creditor only (another id answers 404 like a missing
one); an admin key sees every creditor. Validation is
:class:`policy.creditor_config.CreditorConfig`'s; the writing and the audit are
:mod:`serving.operate.creditors`'."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Country
from ledger.tables import Creditor
from policy.creditor_config import CreditorConfig, CreditorConfigPatch
from serving.api.deps import AdminDep, IdPath, PrincipalDep, SessionDep
from serving.api.errors import ApiError, invalid_body
from serving.api.schemas import (
    CreditorCreate,
    CreditorOut,
    SettingsChangedOut,
    SettingsChangeOut,
)
from serving.api.security import Principal, create_api_key
from serving.operate import creditors

router = APIRouter(prefix="/v1/creditors", tags=["creditors"])


def actor_of(principal: Principal) -> str:
    """Who made a change through the API, for the audit."""
    return f"api:key#{principal.key_id}"


def creditor_for(session: Session, principal: Principal, creditor_id: int) -> Creditor:
    """The creditor when the key may see it; 404 for a missing one and another creditor's alike."""
    row = None
    if principal.is_admin or principal.creditor_id == creditor_id:
        row = session.get(Creditor, creditor_id)
    if row is None:
        raise ApiError(404, "path.creditor_id", f"no creditor {creditor_id}")
    return row


def out(row: Creditor) -> CreditorOut:
    return CreditorOut(
        id=row.id or 0,
        name=row.name,
        country=Country(row.country),
        timezone=row.timezone,
        settings=CreditorConfig.of(row),
    )


@router.get("", summary="The creditors the key sees (its own; all for an admin key)")
def list_creditors(session: SessionDep, principal: PrincipalDep) -> list[CreditorOut]:
    stmt = select(Creditor).order_by(col(Creditor.id))
    if not principal.is_admin:
        stmt = stmt.where(Creditor.id == principal.creditor_id)
    return [out(r) for r in session.exec(stmt)]


@router.post("", status_code=201, summary="Create a creditor (admin key)")
def create_creditor(body: CreditorCreate, session: SessionDep, admin: AdminDep) -> CreditorOut:
    values = body.settings.model_dump(exclude_unset=True) if body.settings else {}
    try:
        row = creditors.create(
            session, name=body.name, country=body.country, actor=actor_of(admin), settings=values
        )
    except creditors.CreditorExistsError as err:
        raise ApiError(409, "body.name", str(err)) from None
    except ValidationError as err:
        raise invalid_body(err, ("body", "settings")) from None
    session.commit()
    return out(row)


@router.get("/{creditor_id}/settings", summary="The creditor's settings")
def read_settings(creditor_id: IdPath, session: SessionDep, principal: PrincipalDep) -> CreditorOut:
    return out(creditor_for(session, principal, creditor_id))


@router.patch(
    "/{creditor_id}/settings",
    summary="Change some settings (validated as a whole; audited: who, when, old → new)",
)
def change_settings(
    creditor_id: IdPath, body: CreditorConfigPatch, session: SessionDep, principal: PrincipalDep
) -> SettingsChangedOut:
    row = creditor_for(session, principal, creditor_id)
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    try:
        changes = creditors.patch(session, row, values, actor=actor_of(principal))
    except ValidationError as err:
        raise invalid_body(err) from None
    session.commit()
    return SettingsChangedOut(
        changes={k: {"old": old, "new": new} for k, (old, new) in changes.items()},
        creditor=out(row),
    )


@router.get("/{creditor_id}/settings/history", summary="Audited changes, newest first")
def settings_history(
    creditor_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> list[SettingsChangeOut]:
    row = creditor_for(session, principal, creditor_id)
    return [
        SettingsChangeOut(at=c.at, actor=c.actor, kind=c.kind, changes=c.changes)
        for c in creditors.history(session, row.id or 0)
    ]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=100, description="What the key is for.")


@router.post(
    "/{creditor_id}/keys",
    status_code=201,
    summary="A new API key for the creditor (admin key); shown once, only its hash is kept",
)
def create_key(
    creditor_id: IdPath, body: KeyIn, session: SessionDep, admin: AdminDep
) -> dict[str, Any]:
    row = creditor_for(session, admin, creditor_id)
    key = create_api_key(session, creditor_id=row.id, label=body.label)
    dossier.record(
        session,
        creditor_id=row.id or 0,
        kind="api_key_created",
        actor=actor_of(admin),
        payload={"label": body.label, "prefix": key.split("_")[1]},
    )
    session.commit()
    return {"creditor_id": row.id, "key": key, "label": body.label}
