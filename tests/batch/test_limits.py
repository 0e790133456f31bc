"""The creditors' limits in the batch: the budget is spent by debtor id over the whole creditor,
whatever order the buckets come in, and a refused contact is dropped with its reasons."""

import json

import pandas as pd

from batch.limits import CreditorLimits, refusals, with_refusals
from policy.creditor_limits import CreditorUsage

SEND = "2026-11-24T09:00:00+01:00"


def _planned(rows: list[tuple[str, int, int, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": rec, "creditor_id": creditor, "debtor_id": debtor, "channel": channel,
                "tone": tone, "stage": "reminder", "send_at": SEND, "contact_template": "t",
                "contact_cost_cents": cost, "contact_key": f"k{rec}",
                "contact_invoice_ids": "[1]",
            }
            for rec, creditor, debtor, channel, tone, cost in rows
        ]
    )  # fmt: skip


def test_the_budget_is_spent_by_debtor_id_and_a_cheaper_contact_still_fits() -> None:
    # bucket order (debtor id mod 2): 2, 4, then 1, 3, 5
    planned = _planned(
        [
            ("b", 1, 2, "letter", "neutral", 150),
            ("d", 1, 4, "sms", "neutral", 20),
            ("a", 1, 1, "letter", "neutral", 150),
            ("c", 1, 3, "letter", "neutral", 150),
            ("e", 1, 5, "email", "neutral", 0),
            ("x", 2, 1, "letter", "neutral", 150),  # a creditor without limits
        ]
    )
    limits = {1: CreditorLimits(1000, None, CreditorUsage(cost_cents=680, debtors=10))}
    got = refusals(planned, limits)
    # 680 + a(150) = 830, + b(150) = 980, c(150) would be 1130: refused; d(20) = 1000 fits
    assert list(got["id"]) == ["c"]
    assert json.loads(got["refusal"].iloc[0])[0].startswith("contact budget")
    assert limits[1].usage.cost_cents == 680, "the caller's usage stays as counted"

    kept = with_refusals(planned, dict(zip(got["id"], got["refusal"], strict=True)))
    row = kept.set_index("id").loc["c"]
    assert row[["contact_key", "contact_template", "contact_cost_cents"]].isna().all()
    assert kept.set_index("id").loc["d", "contact_key"] == "kd"


def test_over_the_complaint_limit_no_calls_and_no_firm_tone() -> None:
    planned = _planned(
        [
            ("a", 1, 1, "phone", "neutral", 500),
            ("b", 1, 2, "email", "firm", 0),
            ("c", 1, 3, "email", "friendly", 0),
            ("d", 1, 4, "robocall", "friendly", 20),
        ]
    )
    limits = {1: CreditorLimits(None, 2.0, CreditorUsage(complaints=1, debtors=400))}
    got = refusals(planned, limits)
    assert sorted(got["id"]) == ["a", "b", "d"]
    assert all("complaint limit" in r for r in got["refusal"])
