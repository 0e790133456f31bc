"""The checkpoint's features are point in time: events at or after ``as_of`` change nothing."""

import pandas as pd

from features.loading import LedgerFrames
from features.plan_state import checkpoint_features, segment_keys

T = pd.Timestamp("2026-03-01", tz="UTC")


def _frames(contacts: list[str], paid: str | None) -> LedgerFrames:
    empty = pd.DataFrame()
    return LedgerFrames(
        debtors=pd.DataFrame({"debtor_id": [1], "creditor_id": [7]}),
        invoices=pd.DataFrame(
            {
                "invoice_id": [1, 2],
                "debtor_id": [1, 1],
                "creditor_id": [1, 1],
                "issue_ts": pd.to_datetime(["2026-01-01", "2026-02-01"], utc=True),
                "due_ts": pd.to_datetime(["2026-01-31", "2026-02-20"], utc=True),
                "paid_ts": pd.to_datetime([paid, None], utc=True),
                "amount": [100.0, 50.0],
            }
        ),
        contacts=pd.DataFrame(
            {
                "contact_id": range(len(contacts)),
                "debtor_id": 1,
                "ts": pd.to_datetime(contacts, utc=True),
            }
        ),
        contact_invoices=empty,
        outcomes=pd.DataFrame(columns=["debtor_id", "contact_id", "kind", "ts", "promised_ts"]),
        dossier=pd.DataFrame(columns=["debtor_id", "invoice_id", "kind", "ts"]),
    )


def test_checkpoint_features_as_of_a_day_ignore_what_came_after() -> None:
    req = pd.DataFrame({"debtor_id": [1], "as_of": [T]})
    seen = checkpoint_features(_frames(["2026-01-10", "2026-02-10", "2026-02-20"], None), req)
    assert seen.iloc[0].to_dict() == {
        "dpd": 29.0, "contacts_recent": 1.0, "episode_contacts": 2.0, "creditor": "7"
    }  # fmt: skip
    later = _frames(["2026-01-10", "2026-02-10", "2026-02-20", "2026-03-01", "2026-03-05"],
                    "2026-03-01")  # fmt: skip
    assert checkpoint_features(later, req).equals(seen)
    paid = checkpoint_features(_frames(["2026-02-20"], "2026-02-25"), req)
    assert paid.iloc[0]["dpd"] == 9.0  # the oldest was paid: the next one's due date counts


def test_a_segment_is_its_creditors_own() -> None:
    """Two creditors' segments of one name are two segments (each with its own plan)."""
    state = pd.DataFrame(
        {
            "segment": pd.Categorical(["zakelijk", "zakelijk", "particulier"]),
            "creditor": pd.Categorical(["1", "2", "2"]),
        }
    )
    assert segment_keys(state) == ["1:zakelijk", "2:zakelijk", "2:particulier"]
