"""The creditor's own limits: a 30-day contact budget leaves only free channels once spent; a
complaint rate at its limit stops calls and firm tones."""

from datetime import datetime
from zoneinfo import ZoneInfo

from ledger.enums import Channel, Stage, Tone
from policy.actions import Action
from policy.creditor_limits import CreditorUsage, limit_refusals

AT = datetime(2026, 3, 3, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _action(channel: Channel, cost: int, tone: Tone = Tone.NEUTRAL) -> Action:
    return Action(channel, tone, AT, Stage.REMINDER, "reminder", (1,), cost)


def test_the_budget_leaves_only_free_channels_once_spent() -> None:
    usage = CreditorUsage(cost_cents=4_900, complaints=0, debtors=100)
    limits = {"budget_cents": 5_000, "complaint_limit_per_1000": None}
    assert limit_refusals(_action(Channel.SMS, 20), usage, **limits) == []  # type: ignore[arg-type]
    (why,) = limit_refusals(_action(Channel.LETTER, 150), usage, **limits)  # type: ignore[arg-type]
    assert why.startswith("contact budget: EUR 49.00 of EUR 50.00")
    assert limit_refusals(_action(Channel.EMAIL, 0), usage, **limits) == []  # type: ignore[arg-type]
    unlimited = {"budget_cents": None, "complaint_limit_per_1000": None}
    assert limit_refusals(_action(Channel.LETTER, 150), usage, **unlimited) == []  # type: ignore[arg-type]


def test_at_the_complaint_limit_no_calls_and_no_firm_tone() -> None:
    usage = CreditorUsage(cost_cents=0, complaints=2, debtors=1_000)  # 2 per 1,000
    limits = {"budget_cents": None, "complaint_limit_per_1000": 2.0}
    assert limit_refusals(_action(Channel.PHONE, 500), usage, **limits)  # type: ignore[arg-type]
    firm = _action(Channel.EMAIL, 0, Tone.FIRM)
    assert "complaint limit: 2.0" in limit_refusals(firm, usage, **limits)[0]  # type: ignore[arg-type]
    assert limit_refusals(_action(Channel.EMAIL, 0), usage, **limits) == []  # type: ignore[arg-type]
    below = CreditorUsage(cost_cents=0, complaints=1, debtors=1_000)
    assert limit_refusals(_action(Channel.PHONE, 500), below, **limits) == []  # type: ignore[arg-type]
