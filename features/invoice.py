"""Features of one invoice as of a time: amount (also relative to the debtor's usual), term,
days overdue, reminders so far and the dunning stage reached.

Only the invoice's fixed facts (amount, issue and due date) and contacts sent before the as-of time
are read; never its payment date or status, which are its outcome.
"""

import pandas as pd

from features.loading import LedgerFrames
from features.point_in_time import asof, cumulate, days_between


def invoice_features(f: LedgerFrames, req: pd.DataFrame, mean_amount: pd.Series) -> pd.DataFrame:
    """``mean_amount`` is the debtor's mean invoice amount as of the request (NaN: no history)."""
    inv = f.invoices.set_index("invoice_id")[["amount", "issue_ts", "due_ts"]]
    keys = req["invoice_id"].astype("Int64")
    own = inv.reindex(keys.fillna(-1).to_numpy())
    own.index = req.index
    links = f.contact_invoices.merge(f.contacts[["contact_id", "ts", "stage"]], on="contact_id")
    links["n"] = 1.0
    st = cumulate(links, key="invoice_id", sums=["n"], keep=["stage"])
    a = asof(req, st, key="invoice_id", columns=["n", "stage"])
    has_invoice = keys.notna().to_numpy()
    return pd.DataFrame(
        {
            "inv_amount": own["amount"],
            "inv_amount_rel": own["amount"] / mean_amount.where(mean_amount > 0),
            "inv_term_days": days_between(own["due_ts"], own["issue_ts"]),
            "inv_days_overdue": days_between(req["as_of"], own["due_ts"]),
            "inv_reminders": a["n"].fillna(0.0).astype("int64").where(has_invoice, 0),
            "inv_stage": a["stage"].where(a["stage"].notna(), "none"),
        },
        index=req.index,
    )
