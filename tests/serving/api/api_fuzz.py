"""schemathesis over every operation of the scoring API (ASGI, no network), shared by the test and
``benchmarks/bench_fuzz.py``: per-operation positive and negative cases, then stateful scenarios
that follow the OpenAPI links (an answer's id into ``GET /v1/recommendations/{id}`` and the
decision reports). What is judged: no 5xx ever; every 4xx a ``detail`` list whose entries name the
field and the problem. It never retries, filters or forgives an answer: a problem is counted.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
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

SEED = 20261124
# a PDF render costs ~100x a JSON answer: these get a fifth of the examples
SLOW_OPERATIONS = {"/reports/weekly.pdf", "/reports/decisions/{recommendation_id}.pdf"}
# the operations the OpenAPI links join (serving/api/routes/recommendations.py: LINKS)
LINKED_OPERATIONS = ["/v1/recommendations", "/v1/recommendations/{recommendation_id}",
                     "/reports/decisions/{recommendation_id}"]  # fmt: skip
# a PDF render on a loaded 2-core machine can pass the default 10 s read timeout
CALL_TIMEOUT_S = 60


@dataclass
class FuzzCounts:
    operations: int = 0
    cases: int = 0  # per-operation positive and negative cases sent
    stateful_steps: int = 0  # requests sent inside stateful scenarios
    linked_steps: int = 0  # of those, requests whose parameters came from an earlier answer
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.cases + self.stateful_steps

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": self.operations, "requests": self.requests, "cases": self.cases,
            "stateful_steps": self.stateful_steps, "linked_steps": self.linked_steps,
            "server_errors": sum(n for s, n in self.statuses.items() if s >= 500),
            "problems": len(self.problems),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }  # fmt: skip


@dataclass
class Target:
    app: FastAPI
    key: str
    debtor_ids: list[int]


@contextmanager
def target(tmp_path: Path, policy: DunningPolicy) -> Iterator[Target]:
    """The app as ``dunflow serve`` builds it on the reports' sample ledger, and a creditor key."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        sample = sample_ledger.build(session)
        key = create_api_key(session, creditor_id=sample.creditor.id)
        session.commit()
    debtors = sorted(int(d.id or 0) for d in sample.debtors.values())
    try:
        yield Target(make_app(engine, ModelStore(lambda: LoadedModel("test/1", policy))), key,
                     debtors)  # fmt: skip
    finally:
        engine.dispose()


def problems(case: Any, response: Any) -> list[str]:
    """What is wrong with this answer (empty: nothing)."""
    text = response.content[:300].decode("utf-8", "replace")
    where = f"{case.method} {case.formatted_path} → {response.status_code}: {text}"
    if response.status_code >= 500:
        return [where]
    if 400 <= response.status_code < 500:
        try:
            detail = response.json().get("detail")
        except ValueError:
            return [f"not JSON: {where}"]
        if not isinstance(detail, list) or not detail:
            return [f"no detail list: {where}"]
        for problem in detail:
            for key in ("field", "problem"):
                if not isinstance(problem.get(key), str) or not problem[key]:
                    return [f"no {key}: {where}"]
    return []


def _settings(examples: int, **extra: Any) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), **extra,
    )  # fmt: skip


def _record(counts: FuzzCounts, case: Any, response: Any) -> None:
    counts.statuses[response.status_code] += 1
    counts.problems.extend(problems(case, response))


def _send(counts: FuzzCounts, case: Any) -> Any:
    """The answer, or None when the app raised (the ASGI transport re-raises what a server
    would answer with a 500): counted as a server error with the request that caused it."""
    try:
        return case.call(timeout=CALL_TIMEOUT_S)
    except Exception as exc:  # any exception out of the app is the finding itself
        counts.statuses[500] += 1
        query = f"?{case.query}" if case.query else ""
        counts.problems.append(f"{case.method} {case.formatted_path}{query} body={case.body!r:.200}"
                               f" raised {exc!r}")  # fmt: skip
        return None


def fuzz_operations(t: Target, examples: int, counts: FuzzCounts) -> None:
    """``examples`` positive and as many negative cases per operation (a fifth for PDFs)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", t.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    counts.operations = len(operations)
    for operation in operations:
        n = max(1, examples // 5) if operation.path in SLOW_OPERATIONS else examples
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.seed(SEED)
            @_settings(n, phases=[Phase.explicit, Phase.generate])
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.headers = {**(case.headers or {}), "X-API-Key": t.key}
                response = _send(counts, case)
                if response is not None:
                    _record(counts, case, response)
                counts.cases += 1

            try:
                run()
            except hypothesis.errors.Unsatisfiable:  # no invalid input exists (no parameters)
                assert mode == GenerationMode.NEGATIVE


def fuzz_stateful(t: Target, scenarios: int, steps: int, counts: FuzzCounts) -> None:
    """``scenarios`` sequences of up to ``steps`` calls among the linked operations, following the
    schema's OpenAPI links.

    A generated ``debtor_ids`` list is mapped onto the ledger's debtors (ids that exist, each once)
    so that answers carry ids for the linked operations to use; the per-operation run already
    covers unknown and malformed ids.
    """
    schema = schemathesis.openapi.from_asgi("/openapi.json", t.app)
    machine = schema.include(path=LINKED_OPERATIONS).as_state_machine()

    class Machine(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case: Any) -> None:
            case.headers = {**(case.headers or {}), "X-API-Key": t.key}
            body = case.body if isinstance(case.body, dict) else None
            ids = body.get("debtor_ids") if body is not None else None
            if case.path == "/v1/recommendations" and isinstance(ids, list) and ids:
                real = [t.debtor_ids[int(i) % len(t.debtor_ids)] if isinstance(i, int) else i
                        for i in ids]  # fmt: skip
                body["debtor_ids"] = list(dict.fromkeys(real))  # type: ignore[index]

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"timeout": CALL_TIMEOUT_S}

        def after_call(self, response: Any, case: Any) -> None:
            counts.stateful_steps += 1
            if "recommendation_id" in (case.path_parameters or {}) and response.status_code == 200:
                counts.linked_steps += 1
            _record(counts, case, response)

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            return None  # judged in after_call by this project's rules, not schemathesis' checks

    hypothesis.seed(SEED)(Machine.TestCase)
    try:
        Machine.run(settings=_settings(scenarios, stateful_step_count=steps,
                                       phases=[Phase.generate]))  # fmt: skip
    except Exception as exc:  # the app raised: Hypothesis stopped at the (shrunk) scenario
        counts.statuses[500] += 1
        counts.problems.append(f"stateful scenario raised {exc!r:.500}")
