"""``dunflow serve``: run the scoring API with uvicorn (OpenAPI docs at /docs).

With ``--workers N`` uvicorn starts N processes, each building the app from the environment
(:func:`app_from_env`: ``DUNFLOW_DATABASE_URL``, the MLflow registry); the scheduler keeps as many
calls in flight (``DUNFLOW_API_PARALLEL``) so every worker scores at once.
"""

import os

import typer
from fastapi import FastAPI

from dunflow.cli.common import DbOption, console, database_url


def app_from_env() -> FastAPI:
    """The API as one uvicorn worker builds it (a factory: uvicorn calls it in each process)."""
    from ledger.db import make_engine
    from ledger.settings import get_settings
    from serving.api.app import create_app
    from serving.api.model_loader import registry_store

    # set by `serve` below; read directly, not through the settings cached earlier in-process
    url = os.environ.get("DUNFLOW_DATABASE_URL") or get_settings().resolved_database_url()
    return create_app(engine=make_engine(url), model_store=registry_store())


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=64),
    db: DbOption = None,
) -> None:
    """Serve the scoring API."""
    import uvicorn

    from serving.api.settings import get_api_settings

    # the workers are other processes: they read the database from the environment
    os.environ["DUNFLOW_DATABASE_URL"] = database_url(db)
    console.print(f"dunflow API on http://{host}:{port} (docs: /docs, {workers} worker(s))")
    uvicorn.run(
        "dunflow.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_keep_alive=get_api_settings().keep_alive_s,
        log_level="warning",
    )
