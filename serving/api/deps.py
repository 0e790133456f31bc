"""Dependencies as typed aliases, so routes read as plain parameters:
``def route(session: SessionDep, caller: CreditorDep)``."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.errors import ApiError
from serving.api.security import Principal, authenticate

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep, key: Annotated[str | None, Security(_api_key_header)] = None
) -> Principal:
    if not key:
        raise ApiError(401, "header.X-API-Key", "missing API key")
    principal = authenticate(session, key)
    if principal is None:
        raise ApiError(401, "header.X-API-Key", "unknown or revoked API key")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_creditor_id(principal: PrincipalDep) -> int:
    if principal.creditor_id is None:
        raise ApiError(403, "header.X-API-Key", "this route needs a creditor's key")
    return principal.creditor_id


CreditorDep = Annotated[int, Depends(get_creditor_id)]


def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "header.X-API-Key", "this route needs an admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
