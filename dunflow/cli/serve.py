"""``dunflow serve``: run the scoring API with uvicorn (OpenAPI docs at /docs)."""

import typer

from dunflow.cli.common import DbOption, console, database_url


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1),
    db: DbOption = None,
) -> None:
    """Serve the scoring API."""
    import uvicorn

    from ledger.db import make_engine
    from serving.api.app import create_app
    from serving.api.model_loader import registry_store

    app = create_app(engine=make_engine(database_url(db)), model_store=registry_store())
    console.print(f"dunflow API on http://{host}:{port} (docs: /docs)")
    uvicorn.run(app, host=host, port=port, workers=workers, log_level="warning")
