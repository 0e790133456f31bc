"""Requests and labels for training: which (entity, as_of) rows to build, and what happened next.

- :func:`invoice_issue_requests`: every invoice as of its issue date (00:00 UTC), the cold-start
  view of the payment-time model;
- :func:`decision_requests`: every sent contact, per invoice it covered, as of the moment it was
  sent, with its channel, tone and send time as the candidate action;
- :func:`open_invoice_requests`: every invoice open at a moment (live scoring, cash forecast);
- :func:`payment_time_labels`: whether and how late each invoice was paid;
- :func:`payment_time_table`: features + labels, as of issue and (optionally) as of each decision.

Labels are outcomes: they may look at the future, and must never be passed to
:func:`features.build.build_features`, which sees only the requests.
"""

import pandas as pd

from features.build import build_features
from features.loading import LedgerFrames
from features.point_in_time import days_between


def invoice_issue_requests(frames: LedgerFrames) -> pd.DataFrame:
    """One request per invoice, as of the start of its issue date."""
    inv = frames.normalised().invoices.reset_index(drop=True)
    return pd.DataFrame(
        {"debtor_id": inv["debtor_id"], "invoice_id": inv["invoice_id"], "as_of": inv["issue_ts"]}
    )


def open_invoice_requests(frames: LedgerFrames, as_of: pd.Timestamp) -> pd.DataFrame:
    """One request per invoice issued before ``as_of`` and not known to be paid by then."""
    inv = frames.normalised().invoices
    t = pd.Timestamp(as_of)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    live = inv[(inv["issue_ts"] < t) & ~(inv["paid_ts"] < t)].reset_index(drop=True)
    return pd.DataFrame(
        {"debtor_id": live["debtor_id"], "invoice_id": live["invoice_id"], "as_of": t}
    )


def decision_requests(frames: LedgerFrames) -> pd.DataFrame:
    """One request per (sent contact, invoice it covered), as of the moment it was sent."""
    f = frames.normalised()
    links = f.contact_invoices.merge(f.contacts, on="contact_id")
    return pd.DataFrame(
        {
            "contact_id": links["contact_id"],
            "debtor_id": links["debtor_id"],
            "invoice_id": links["invoice_id"],
            "as_of": links["ts"],
            "channel": links["channel"],
            "tone": links["tone"],
            "send_at": links["ts"],
        }
    ).reset_index(drop=True)


def payment_time_labels(frames: LedgerFrames) -> pd.DataFrame:
    """Per invoice: dates, settled (paid in the data), paid_late and days_late (NaN while open)."""
    inv = frames.normalised().invoices.reset_index(drop=True)
    delay = days_between(inv["paid_ts"], inv["due_ts"])
    settled = inv["paid_ts"].notna()
    return pd.DataFrame(
        {
            "invoice_id": inv["invoice_id"],
            "issue_ts": inv["issue_ts"],
            "due_ts": inv["due_ts"],
            "paid_ts": inv["paid_ts"],
            "settled": settled,
            "paid_late": (delay > 0).astype("float64").where(settled),
            "days_late": delay.clip(lower=0),
        }
    )


def payment_time_table(frames: LedgerFrames, *, at_decisions: bool = False) -> pd.DataFrame:
    """Features of every invoice as of its issue date, joined to its labels.

    With ``at_decisions``, also one row per (contact, invoice) as of the contact's send time while
    the invoice was still unpaid (``row_kind`` "decision"), so the model also learns the later,
    partly dunned state. Candidate channel and tone are not part of this model.
    """
    requests = invoice_issue_requests(frames).assign(row_kind="issue")
    if at_decisions:
        dec = decision_requests(frames)[["debtor_id", "invoice_id", "as_of"]]
        requests = pd.concat([requests, dec.assign(row_kind="decision")], ignore_index=True)
    feats = build_features(frames, requests.drop(columns="row_kind"))
    labels = payment_time_labels(frames).set_index("invoice_id")
    joined = labels.reindex(feats["invoice_id"].to_numpy())
    joined.index = feats.index
    table = pd.concat([feats, requests[["row_kind"]], joined], axis=1)
    unpaid_then = ~(table["paid_ts"] < table["as_of"])
    return table[unpaid_then | (table["row_kind"] == "issue")].reset_index(drop=True)
