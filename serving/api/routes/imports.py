"""``POST /v1/imports/{entity}``: import debtors, invoices or payments through the API, so a
creditor can be set up without the CLI; ``GET /v1/debtors``: find its debtors by number.

The file's text (or its bytes in base64) goes in the JSON body; the import is the CLI's own
(:func:`ledger.importers.import_file`): all or nothing, idempotent, every problem named by row and
column (a 422 whose fields read ``body.content.row 3.due_date``). Always into the key's creditor:
a key never creates one."""

import base64
import binascii
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from ledger.importers import ImportValidationError, import_file
from ledger.importers.runner import SUPPORTED
from ledger.tables import Creditor, Debtor
from serving.api.deps import CreditorDep, SessionDep, get_engine
from serving.api.errors import ApiError

router = APIRouter(prefix="/v1", tags=["imports"])
Entity = Literal["debtors", "invoices", "payments"]
MAX_BYTES = 20_000_000


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "sap", "camt053", "ibm"] = Field(default="csv")
    filename: str = Field(default="upload.csv", min_length=1, max_length=200)
    content: str | None = Field(default=None, max_length=MAX_BYTES, description="The file's text.")
    content_base64: str | None = Field(
        default=None, max_length=MAX_BYTES * 4 // 3 + 4, description="Or its bytes, base64."
    )


class DebtorBrief(BaseModel):
    id: int
    external_id: str
    name: str
    kind: str
    email: str | None
    phone: str | None
    segment_id: int | None
    tag: str | None


def _bytes(body: ImportIn) -> bytes:
    if (body.content is None) == (body.content_base64 is None):
        raise ApiError(422, "body.content", "give either content or content_base64")
    if body.content is not None:
        return body.content.encode("utf-8")
    try:
        return base64.b64decode(body.content_base64 or "", validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "body.content_base64", "not valid base64") from None


@router.post("/imports/{entity}", status_code=201, summary="Import a file (all rows or none)")
def post_import(
    entity: Entity,
    body: ImportIn,
    session: SessionDep,
    creditor_id: CreditorDep,
    engine: Annotated[Engine, Depends(get_engine)],
) -> dict[str, Any]:
    if entity not in SUPPORTED[body.format]:
        raise ApiError(422, "body.format", f"{body.format} cannot import {entity}")
    data = _bytes(body)
    creditor = session.get(Creditor, creditor_id)
    assert creditor is not None  # the key's own
    session.rollback()  # the import writes through its own connection: hold no read open
    # only the base name, in characters any file system takes ("..", "/" and NUL cannot escape)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(body.filename).name).strip("._") or "upload"
    with tempfile.TemporaryDirectory(prefix="dunflow-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            summary = import_file(
                engine, path, entity=entity, fmt=body.format, creditor=creditor.name
            )
        except ImportValidationError as err:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "content", f"row {e.row}", e.column),
                        "msg": e.message,
                    }
                    for e in err.errors
                ]
            ) from None
    answer = summary.as_dict()
    answer["file"] = name
    return answer


@router.get("/debtors", summary="The creditor's debtors, or the one with a number")
def list_debtors(
    session: SessionDep,
    creditor_id: CreditorDep,
    number: Annotated[
        str | None, Query(max_length=64, description="The debtor's number (external id).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[DebtorBrief]:
    stmt = select(Debtor).where(Debtor.creditor_id == creditor_id)
    if number is not None:
        stmt = stmt.where(Debtor.external_id == number)
    rows = session.exec(stmt.order_by(col(Debtor.id)).offset(offset).limit(limit))
    return [DebtorBrief.model_validate(r, from_attributes=True) for r in rows]
