"""Property-based run of schemathesis against the app's own OpenAPI schema (ASGI, no network):
every operation, positive and negative inputs, then stateful scenarios along the OpenAPI links,
a bounded number of examples with a fixed seed (``make bench`` runs ≥ 5,000 requests:
``benchmarks/bench_fuzz.py``). No input may give a 5xx, and every 4xx names the field and the
problem."""

from pathlib import Path

import pytest

from policy.pyfunc import DunningPolicy
from tests.serving.api.api_fuzz import FuzzCounts, fuzz_operations, fuzz_stateful, target

MAX_EXAMPLES = 15
SCENARIOS, STEPS = 12, 8


@pytest.mark.slow
def test_no_input_gives_a_5xx_and_every_4xx_names_field_and_problem(
    tmp_path: Path, policy: DunningPolicy
) -> None:
    counts = FuzzCounts()
    with target(tmp_path, policy) as t:
        fuzz_operations(t, MAX_EXAMPLES, counts)
        assert counts.operations >= 10
        assert counts.cases >= MAX_EXAMPLES * counts.operations
        fuzz_stateful(t, SCENARIOS, STEPS, counts)
    print(f"schemathesis: {counts.as_dict()}")
    assert counts.linked_steps > 0, "no stateful step followed a link to an existing answer"
    assert not counts.problems, "\n".join(counts.problems[:20])
