"""Property-based run of schemathesis against the app's own OpenAPI schema (ASGI, no network):
every operation, positive and negative inputs, a bounded number of examples with a fixed seed.
No input may give a 5xx, and every 4xx names the field and the problem."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from sqlmodel import Session, SQLModel

import ledger.tables  # noqa: F401
from ledger.db import make_engine
from policy.pyfunc import DunningPolicy
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.security import create_api_key
from tests.serving.api.conftest import make_app
from tests.serving.reports import sample_ledger

MAX_EXAMPLES = 25
SLOW_OPERATIONS = {"/reports/weekly.pdf", "/reports/decisions/{recommendation_id}.pdf"}


@pytest.fixture
def app_and_key(tmp_path: Path, policy: DunningPolicy) -> Iterator[tuple[FastAPI, str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        sample = sample_ledger.build(session)
        key = create_api_key(session, creditor_id=sample.creditor.id)
        session.commit()
    app = make_app(engine, ModelStore(lambda: LoadedModel("test/1", policy)))
    yield app, key
    engine.dispose()


def _problems(case: Any, response: Any) -> list[str]:
    """What is wrong with this answer (empty: nothing)."""
    text = response.content[:300].decode("utf-8", "replace")
    where = f"{case.method} {case.formatted_path} → {response.status_code}: {text}"
    if response.status_code >= 500:
        return [where]
    if 400 <= response.status_code < 500:
        detail = response.json().get("detail")
        if not isinstance(detail, list) or not detail:
            return [f"no detail list: {where}"]
        for problem in detail:
            for key in ("field", "problem"):
                if not isinstance(problem.get(key), str) or not problem[key]:
                    return [f"no {key}: {where}"]
    return []


def _fuzz(operation: Any, mode: GenerationMode, key: str, examples: int, found: list[str]) -> int:
    """Run ``examples`` generated cases of one operation; returns how many were sent."""
    sent = 0

    @hypothesis.seed(20261124)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal sent
        case.headers = {**(case.headers or {}), "X-API-Key": key}
        # a PDF render on a loaded 2-core machine can pass the default 10 s read timeout
        found.extend(_problems(case, case.call(timeout=60)))
        sent += 1

    try:
        run()
    except hypothesis.errors.Unsatisfiable:  # no invalid input exists (e.g. no parameters at all)
        assert mode == GenerationMode.NEGATIVE
    return sent


@pytest.mark.slow
def test_no_input_gives_a_5xx_and_every_4xx_names_field_and_problem(
    app_and_key: tuple[FastAPI, str],
) -> None:
    app, key = app_and_key
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    found: list[str] = []
    sent = 0
    for operation in operations:
        examples = 5 if operation.path in SLOW_OPERATIONS else MAX_EXAMPLES
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _fuzz(operation, mode, key, examples, found)
    assert sent >= MAX_EXAMPLES * len(operations)
    print(f"schemathesis: {len(operations)} operations, {sent} cases, {len(found)} problems")
    assert not found, "\n".join(found[:20])
