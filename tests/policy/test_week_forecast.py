"""The week's forecast runs the decision path forward: the ladder's steps on the days the rules
allow them (one a day, the minimum gap), nothing for an invoice expected paid, and the same
answer as deciding day by day with the contacts written in between."""

from dataclasses import replace
from datetime import date, timedelta

from ledger.enums import Channel, DebtorKind, Stage
from policy.decision_path import decide_for
from policy.flow_state import DebtorState
from policy.week_forecast import after_contact, forecast_contacts
from tests.policy.builders import ams, invoice, state

# Monday 2 February 2026 … Friday 6 February, the cycle at 08:30
WEEK = [ams(2026, 2, d, 8, 30) for d in (2, 3, 4, 5, 6)]


def _debtor(debtor_id: int, due: date) -> DebtorState:
    return replace(
        state(kind=DebtorKind.B2B, invoices=(invoice(debtor_id, due=due),)), debtor_id=debtor_id
    )


def test_the_ladder_steps_fall_on_the_days_the_rules_allow() -> None:
    # 3 days overdue on Monday (due 30 January): the first reminder (+3) goes Monday; the
    # second (+10) waits for its day, 9 February, after the week
    early = _debtor(1, date(2026, 1, 30))
    # 12 days overdue on Monday (due 21 January): the +3 level now, the +10 level three days on
    late = _debtor(2, date(2026, 1, 21))
    found = forecast_contacts({1: early, 2: late}, WEEK)
    got = [(c.day, c.debtor_id, c.channel, c.stage) for c in found]
    assert got == [
        (date(2026, 2, 2), 1, Channel.EMAIL, Stage.REMINDER),
        (date(2026, 2, 2), 2, Channel.EMAIL, Stage.REMINDER),
        (date(2026, 2, 5), 2, Channel.EMAIL, Stage.REMINDER),
    ]


def test_an_invoice_expected_paid_gets_nothing_from_that_day() -> None:
    debtor = _debtor(2, date(2026, 1, 21))
    found = forecast_contacts({2: debtor}, WEEK, paid_on={2: date(2026, 2, 4)})
    assert [c.day for c in found] == [date(2026, 2, 2)]


def test_the_forecast_is_the_cycles_run_one_after_another() -> None:
    debtor = _debtor(2, date(2026, 1, 21))
    current, by_hand = debtor, []
    for now in WEEK:
        (answer,) = decide_for({2: current}, now, None, with_refusals=False)
        a = answer.action
        if a.channel is not None and a.send_at.date() == now.date():
            by_hand.append(now.date())
            current = after_contact(current, a)
    assert [c.day for c in forecast_contacts({2: debtor}, WEEK)] == by_hand
    assert len(by_hand) == 2
    assert by_hand[1] - by_hand[0] >= timedelta(days=3)
