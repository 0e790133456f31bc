"""A vectorised synthetic ledger as frames (no database): debtors with their own lateness habits,
invoices, payments, reminders linked to invoices, outcomes (promises with dates, disputes,
complaints) and dossier events. Used by the leakage tests and by ``benchmarks/bench_features.py``.
"""

import numpy as np
import pandas as pd

from features.loading import LedgerFrames
from features.specs import CHANNELS, TONES

START = pd.Timestamp("2023-01-01", tz="UTC")
DAY = pd.Timedelta(days=1)
_KINDS = np.array(["promise", "dispute", "complaint", "wants_copy", "unreachable", "paid"])


def synthetic_frames(
    n_invoices: int, *, seed: int = 0, span_days: int = 365, invoices_per_debtor: int = 10
) -> LedgerFrames:
    """About ``n_invoices`` invoices and, for each, a payment (90%), 0–2 reminders, outcomes."""
    rng = np.random.default_rng(seed)
    n_deb = max(3, n_invoices // invoices_per_debtor)
    habit = rng.exponential(8.0, n_deb)  # mean days late per debtor
    debtors = pd.DataFrame(
        {
            "debtor_id": np.arange(1, n_deb + 1, dtype="int64"),
            "creditor_id": np.where(np.arange(n_deb) % 7 == 6, 2, 1).astype("int64"),
            "kind": np.where(rng.random(n_deb) < 0.4, "b2c", "b2b"),
            "segment": rng.choice(["", "retail", "wholesale"], n_deb),
            "country": "NL",
            "reach_email": rng.random(n_deb) < 0.9,
            "reach_phone": rng.random(n_deb) < 0.6,
            "reach_letter": True,
        }
    )
    deb = rng.integers(0, n_deb, n_invoices)
    issue = START + pd.to_timedelta(rng.integers(0, span_days, n_invoices), unit="D")
    term = rng.choice([14, 30], n_invoices)
    due = issue + pd.to_timedelta(term, unit="D")
    delay = np.round(rng.normal(habit[deb] - 3.0, 4.0)).astype("int64")
    paid = due + pd.to_timedelta(delay, unit="D")
    paid = paid.where(paid >= issue, issue)
    is_open = rng.random(n_invoices) < 0.1
    invoices = pd.DataFrame(
        {
            "invoice_id": np.arange(1, n_invoices + 1, dtype="int64"),
            "debtor_id": deb + 1,
            "creditor_id": debtors["creditor_id"].to_numpy()[deb],
            "issue_ts": issue,
            "due_ts": due,
            "paid_ts": pd.Series(paid).where(~is_open),
            "amount": np.round(rng.lognormal(5.0, 1.0, n_invoices), 2),
        }
    )
    # reminders: 1–3 days after the due date, a second one a week later, while still unpaid
    reminders = []
    for k, lag in enumerate((1, 8)):
        when = due + pd.to_timedelta(lag + rng.integers(0, 3, n_invoices), unit="D")
        when = when + pd.to_timedelta(rng.integers(7 * 60, 20 * 60, n_invoices), unit="min")
        keep = is_open | (pd.Series(when) < invoices["paid_ts"]).to_numpy()
        keep &= rng.random(n_invoices) < (0.9 if k == 0 else 0.6)
        reminders.append(pd.DataFrame({"invoice_id": invoices["invoice_id"], "ts": when})[keep])
    links = pd.concat(reminders, ignore_index=True)
    links["contact_id"] = np.arange(1, len(links) + 1, dtype="int64")
    inv_deb = invoices.set_index("invoice_id")["debtor_id"]
    n_con = len(links)
    contacts = pd.DataFrame(
        {
            "contact_id": links["contact_id"],
            "debtor_id": inv_deb.reindex(links["invoice_id"]).to_numpy(),
            "ts": links["ts"],
            "channel": rng.choice(np.array(CHANNELS), n_con),
            "tone": rng.choice(np.array(TONES), n_con),
            "stage": rng.choice(["reminder", "pre_collection"], n_con, p=[0.8, 0.2]),
        }
    )
    has_out = rng.random(n_con) < 0.3
    picked = contacts[has_out]
    occurred = picked["ts"] + pd.to_timedelta(rng.integers(10, 3 * 24 * 60, len(picked)), "min")
    kinds = rng.choice(_KINDS, len(picked), p=[0.45, 0.15, 0.05, 0.1, 0.2, 0.05])
    promised = occurred.dt.floor("D") + pd.to_timedelta(rng.integers(2, 10, len(picked)), "D")
    outcomes = pd.DataFrame(
        {
            "debtor_id": picked["debtor_id"].to_numpy(),
            "contact_id": picked["contact_id"].astype("Int64").to_numpy(),
            "kind": kinds,
            "ts": occurred.to_numpy(),
            "promised_ts": promised.where(pd.Series(kinds == "promise", index=promised.index)),
        }
    )
    disputed = invoices.sample(frac=0.02, random_state=seed)
    dossier = pd.DataFrame(
        {
            "debtor_id": disputed["debtor_id"].astype("Int64"),
            "invoice_id": disputed["invoice_id"].astype("Int64"),
            "kind": "invoice_disputed",
            "ts": disputed["issue_ts"] + 5 * DAY + pd.Timedelta(hours=10),
        }
    )
    return LedgerFrames(
        debtors=debtors,
        invoices=invoices,
        contacts=contacts,
        contact_invoices=links[["contact_id", "invoice_id"]],
        outcomes=outcomes.reset_index(drop=True),
        dossier=dossier.reset_index(drop=True),
    ).normalised()
