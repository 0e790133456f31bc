"""The FastAPI application factory: ``create_app()`` wires engine, model store, metrics, routes.

No app, engine or model is created at import time; ``dunflow serve`` and the tests call the factory.
The web app for people (``/app``) is installed by :func:`serving.webapp.install`.
To add an endpoint: a router module in ``serving/api/routes/``, included below, its schemas in
``serving/api/schemas.py``, and tests in ``tests/serving/api/`` including the tenant matrix.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from ledger.db import get_engine
from serving.api import errors
from serving.api.metrics import ApiMetrics
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.recommender import Recommender
from serving.api.routes import (
    admin,
    calls,
    creditors,
    delivery,
    dossiers,
    health,
    imports,
    outcomes,
    recommendations,
    reports,
    segments,
)
from serving.api.settings import ApiSettings, get_api_settings
from serving.api.snapshots import FeatureSnapshots
from serving.webapp import install as install_webapp
from serving.webapp.settings import WebappSettings


def create_app(
    *,
    engine: Engine | None = None,
    model_store: ModelStore | None = None,
    settings: ApiSettings | None = None,
    webapp_settings: WebappSettings | None = None,
) -> FastAPI:
    settings = settings or get_api_settings()
    store = model_store or ModelStore(None)
    api_metrics = ApiMetrics()

    def _on_change(model: LoadedModel | None, mode: str) -> None:
        api_metrics.set_model(model.version if model else "ladder", mode)

    store.on_change = _on_change

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        store.start()
        yield
        store.stop()

    app = FastAPI(
        title="dunflow scoring API",
        version="1",
        description="Next dunning action per debtor, with its value, propensity and explanation.",
        lifespan=lifespan,
    )
    app.state.engine = engine or get_engine()
    app.state.model_store = store
    app.state.metrics = api_metrics
    app.state.settings = settings
    app.state.recommender = Recommender(FeatureSnapshots(app.state.engine), seed=settings.seed)
    errors.install(app)
    api_metrics.install(app)
    app.include_router(health.router)
    app.include_router(recommendations.router)
    app.include_router(outcomes.router)
    app.include_router(admin.router)
    app.include_router(delivery.router)
    app.include_router(reports.router)
    app.include_router(creditors.router)
    app.include_router(segments.router)
    app.include_router(dossiers.router)
    app.include_router(calls.router)
    app.include_router(imports.router)
    install_webapp(app, webapp_settings)
    return app
