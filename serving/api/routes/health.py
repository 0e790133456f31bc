"""Liveness, readiness and Prometheus metrics."""

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    body: dict[str, Any] = {"status": "ready", "database": "ok"}
    try:
        with state.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as err:  # readiness reports, it does not raise
        return JSONResponse({"status": "unavailable", "database": str(err)}, status_code=503)
    current = state.model_store.current
    body["model_version"] = current.version if current else None
    reason = state.model_store.degraded_reason
    if reason is None and state.model_store.last_error:
        body["last_reload_error"] = state.model_store.last_error
    if reason is not None:
        body.update(status="degraded", reason=reason, fallback="ladder")
    return JSONResponse(body)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
