"""Dependencies as typed aliases, so routes read as plain parameters:
``def route(session: SessionDep, caller: CreditorDep)``.

They are ``async`` although their work is synchronous: FastAPI runs a sync dependency in the
thread pool, one hop each (~0.1 ms), more than the work itself (opening a session does no I/O, the
key is one indexed lookup). The routes stay sync, so their ledger work never blocks the loop.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.errors import ApiError
from serving.api.security import Principal, authenticate

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    # the engine read here, not through ``get_engine``: each dependency FastAPI solves costs
    # about as much as opening the session
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def principal_of(session: Session, key: str | None) -> Principal:
    """Who calls with ``key`` (401 when nobody)."""
    if not key:
        raise ApiError(401, "header.X-API-Key", "missing API key")
    principal = authenticate(session, key)
    if principal is None:
        raise ApiError(401, "header.X-API-Key", "unknown or revoked API key")
    return principal


def creditor_of(principal: Principal) -> int:
    """The creditor a key speaks for (403 for an admin key)."""
    if principal.creditor_id is None:
        raise ApiError(403, "header.X-API-Key", "this route needs a creditor's key")
    return principal.creditor_id


async def get_principal(
    session: SessionDep, key: Annotated[str | None, Security(_api_key_header)] = None
) -> Principal:
    return principal_of(session, key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_creditor_id(
    session: SessionDep, key: Annotated[str | None, Security(_api_key_header)] = None
) -> int:
    # the key read here, not through ``get_principal``: one dependency fewer for FastAPI to solve
    # on every creditor's call
    return creditor_of(principal_of(session, key))


CreditorDep = Annotated[int, Depends(get_creditor_id)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "header.X-API-Key", "this route needs an admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]

# an id in a path: bounded like the database's BIGINT, so a huge number is a 422, not a 500
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="A row id.")]
