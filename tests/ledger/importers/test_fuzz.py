"""Hypothesis-generated corruption of generic CSV, SAP and CAMT.053 files (see ``corruption.py``):
each import succeeds whole or writes nothing, raises only ImportValidationError, and names file,
row and column of every error, in row order. CI-sized; ``make bench`` runs many more examples
(``benchmarks/bench_fuzz.py`` → ``benchmarks/results/fuzz.json``)."""

from collections import Counter

import pytest

from tests.ledger.importers.corruption import FILES, run

EXAMPLES = 12  # per file: 60 corrupted imports in all; `make bench` runs 1,000 (fuzz.json)


@pytest.mark.slow
@pytest.mark.parametrize(("entity", "fmt", "valid"), FILES, ids=[f"{f}-{e}" for e, f, _ in FILES])
def test_corrupted_files_import_whole_or_not_at_all(entity: str, fmt: str, valid: str) -> None:
    tally: Counter[str] = Counter()
    run(entity, fmt, valid, EXAMPLES, tally)
    outcomes = {k: v for k, v in tally.items() if not k.startswith("damage:")}
    print(f"{fmt}:{entity}: {dict(tally)}")
    assert sum(outcomes.values()) == EXAMPLES
    assert tally[f"{fmt}:{entity}:refused"] > 0  # the damage reached the importer's checks
