"""The claim of a collection letter or hand-off: principal, costs where the law allows, interest."""

from datetime import date, timedelta

from ledger.enums import DebtorKind
from policy.claim import claim_on
from policy.fourteen_day_letter import LetterRecord
from tests.policy.builders import invoice, state

ON = date(2026, 5, 1)


def test_a_business_owes_costs_and_interest_without_a_letter() -> None:
    due = ON - timedelta(days=91)  # interest from the day after: 90 days
    claim = claim_on(state(kind=DebtorKind.B2B, invoices=(invoice(cents=300_000, due=due),)), ON)
    assert claim.principal_cents == 300_000
    assert claim.costs_cents == 42_500  # WIK: 15 % of 2,500 + 10 % of 500
    assert claim.interest_cents == 7_508  # DOMAIN.md: 3,000 B2B, 90 days at 10.15 % = 75.08
    assert claim.total_cents == 300_000 + 42_500 + 7_508


def test_a_consumer_owes_costs_only_after_a_valid_fourteen_day_letter() -> None:
    inv = (invoice(cents=10_000, due=date(2026, 1, 31)),)
    without = claim_on(state(invoices=inv), ON)
    assert without.costs_cents == 0
    assert "14-day letter" in without.costs_note
    assert without.interest_cents > 0
    letter = LetterRecord(sent_on=date(2026, 3, 2), stated_costs_cents=4_000)
    assert claim_on(state(invoices=inv, letter=letter), ON).costs_cents == 4_000
    early = claim_on(state(invoices=inv, letter=letter), date(2026, 3, 10))
    assert early.costs_cents == 0
    assert "due from" in early.costs_note
