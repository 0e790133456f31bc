"""The anchored learner's evidence read from the ledger's plan state: every rule mapped to the
ledger's column, an unknown one refused by name."""

from dataclasses import replace

import numpy as np
import pytest

from policy.plan_choice import Evidence
from training.plan_learner import CHOSEN
from training.plan_ledger import LEDGER_COLUMN, ledger_evidence
from training.plan_run import PlanRunConfig, fit_plan


def test_every_evidence_rule_reads_the_ledgers_column() -> None:
    e = Evidence("promises_broken", 1.0, None, (("promises_broken", 2.0),))
    mapped = ledger_evidence(e)
    assert mapped is not None
    column = LEDGER_COLUMN["promises_broken"]
    assert mapped.rules == ((column, 1.0), (column, 2.0))
    assert ledger_evidence(None) is None


def test_a_rule_without_a_ledger_equivalent_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'no_such_count'"):
        ledger_evidence(Evidence("promises_broken", 1.0, None, (("no_such_count", 1.0),)))


def test_an_escalation_plan_per_segment_is_refused_for_a_ledgers_named_segments() -> None:
    assert ledger_evidence(Evidence(then=3)) == Evidence("hist_n_promises_broken", then=3)
    with pytest.raises(ValueError, match="evidence then"):
        ledger_evidence(Evidence(then=(3, -1)))


def test_counter_evidence_and_a_known_history_read_the_ledgers_columns_too() -> None:
    e = Evidence(
        then=3,
        against=(("prior_paid", ">=", 1.0), ("prior_mean_dpd", "<=", 3.0)),
        known=(("prior_paid", ">=", 2.0),),
        margin_known_eur=1000.0,
    )
    mapped = ledger_evidence(e)
    assert mapped is not None
    assert mapped.against == (
        (LEDGER_COLUMN["prior_paid"], ">=", 1.0),
        (LEDGER_COLUMN["prior_mean_dpd"], "<=", 3.0),
    )
    assert mapped.known == ((LEDGER_COLUMN["prior_paid"], ">=", 2.0),)
    assert mapped.margin_known_eur == 1000.0


def test_a_first_stage_anchor_is_refused_by_the_ledgers_plan_learner() -> None:
    staged = replace(CHOSEN, first_stage_from=("own", "email/firm/14d"))
    with pytest.raises(ValueError, match="first-stage anchor"):
        fit_plan(None, PlanRunConfig(learner=staged))  # type: ignore[arg-type]  # refused first


def test_a_margin_share_reads_the_ledgers_amount_overdue_in_euros() -> None:
    mapped = ledger_evidence(Evidence(then=3, margin_share=0.1))
    assert mapped is not None
    assert (mapped.amount, mapped.amount_log, mapped.margin_share) == ("overdue_amount", False, 0.1)
    counts = np.array([[1.0, 20000.0], [1.0, 1000.0]])  # a broken promise; EUR overdue
    np.testing.assert_allclose(mapped.margins(counts, 500.0), [2000.0, 500.0])
    with pytest.raises(ValueError, match="no_such_amount"):
        ledger_evidence(Evidence(then=3, margin_share=0.1, amount="no_such_amount"))
    assert ledger_evidence(Evidence(then=3)) == Evidence("hist_n_promises_broken", then=3)


def test_the_chosen_evidence_reads_the_ledgers_columns() -> None:
    assert CHOSEN.evidence is not None
    mapped = ledger_evidence(CHOSEN.evidence)
    assert mapped is not None
    assert mapped.amount == "overdue_amount"
    assert not mapped.amount_log
    assert {c for c, _, _ in mapped.against} == {"hist_n_settled", "hist_mean_pay_delay"}
    assert mapped.margin_share == CHOSEN.evidence.margin_share > 0
