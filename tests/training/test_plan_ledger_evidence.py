"""The anchored learner's evidence read from the ledger's plan state: every rule mapped to the
ledger's column, an unknown one refused by name."""

from dataclasses import replace

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


def test_a_margin_share_has_no_ledger_amount_column_and_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="log_overdue_eur"):
        ledger_evidence(Evidence(then=3, margin_share=0.1))
    assert ledger_evidence(Evidence(then=3)) == Evidence("hist_n_promises_broken", then=3)
