"""Every 4xx names the field and the problem, in one shape:
``{"detail": [{"field": "body.debtor_ids.3", "problem": "..."}]}``."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    def __init__(self, status: int, field: str, problem: str) -> None:
        super().__init__(problem)
        self.status, self.field, self.problem = status, field, problem


def _body(field: str, problem: str) -> dict[str, Any]:
    return {"detail": [{"field": field, "problem": problem}]}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.field, exc.problem), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        field = "path" if exc.status_code in (404, 405) else "request"
        return JSONResponse(
            _body(field, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )


def invalid_body(
    exc: ValidationError, under: tuple[str, ...] = ("body",)
) -> RequestValidationError:
    """A model's ``ValidationError`` raised after FastAPI parsed the body (a whole-model check,
    e.g. settings merged over the stored ones) as the same 422, each field named under ``under``."""
    return RequestValidationError(
        [{**err, "loc": (*under, *err.get("loc", ()))} for err in exc.errors()]
    )
