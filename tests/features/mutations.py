"""Rewrite a ledger's future: delete, alter or append every event at or after a time t.

Static facts of invoices issued before t (amount, dates) are known at issue and stay; so do the
invoices in ``keep_invoices`` (the requests' own invoices), whose *payment* may still change.
"""

import numpy as np
import pandas as pd

from features.loading import LedgerFrames

MODES = ("delete", "alter", "append")


def _shift_future(ts: pd.Series, t: pd.Timestamp, rng: np.random.Generator) -> pd.Series:
    future = ts >= t
    minutes = pd.to_timedelta(rng.integers(0, 60 * 24 * 40, len(ts)), unit="min")
    return ts.where(~future, ts + minutes)


def mutate_future(
    frames: LedgerFrames,
    t: pd.Timestamp,
    mode: str,
    *,
    seed: int = 0,
    keep_invoices: frozenset[int] = frozenset(),
) -> LedgerFrames:
    rng = np.random.default_rng(seed)
    f = frames.normalised()
    inv = f.invoices.copy()
    con, links, out, dos = f.contacts, f.contact_invoices, f.outcomes, f.dossier
    future_inv = (inv["issue_ts"] >= t) & ~inv["invoice_id"].isin(keep_invoices)
    paid_future = inv["paid_ts"] >= t
    if mode == "delete":
        inv.loc[paid_future, "paid_ts"] = pd.NaT
        inv = inv[~future_inv]
        con = con[con["ts"] < t]
        out = out[out["ts"] < t]
        dos = dos[dos["ts"] < t]
        links = links[
            links["contact_id"].isin(con["contact_id"])
            & links["invoice_id"].isin(inv["invoice_id"])
        ]
    elif mode == "alter":
        inv["paid_ts"] = _shift_future(inv["paid_ts"], t, rng)
        inv.loc[paid_future & (rng.random(len(inv)) < 0.3), "paid_ts"] = pd.NaT
        inv.loc[future_inv, "amount"] = inv.loc[future_inv, "amount"] * 3 + 1
        inv.loc[future_inv, "issue_ts"] = _shift_future(inv.loc[future_inv, "issue_ts"], t, rng)
        inv["due_ts"] = inv["due_ts"].where(~future_inv, inv["issue_ts"] + pd.Timedelta(days=7))
        con = con.copy()
        fut = con["ts"] >= t
        con["ts"] = _shift_future(con["ts"], t, rng)
        con.loc[fut, "channel"] = rng.choice(["email", "sms", "letter"], int(fut.sum()))
        con.loc[fut, "tone"] = "firm"
        out = out.copy()
        fut_o = out["ts"] >= t
        out.loc[fut_o, "kind"] = rng.choice(["promise", "dispute", "complaint"], int(fut_o.sum()))
        out.loc[fut_o, "promised_ts"] = out.loc[fut_o, "ts"].dt.floor("D") + pd.Timedelta(days=2)
        out["ts"] = _shift_future(out["ts"], t, rng)
        dos = dos.assign(ts=_shift_future(dos["ts"], t, rng))
    elif mode == "append":
        open_inv = inv["paid_ts"].isna() | paid_future
        inv.loc[open_inv, "paid_ts"] = t + pd.Timedelta(hours=1)  # settle everything just after t
        debtors = f.debtors["debtor_id"].to_numpy()
        n = 20
        new_inv = pd.DataFrame(
            {
                "invoice_id": inv["invoice_id"].max() + 1 + np.arange(n),
                "debtor_id": rng.choice(debtors, n),
                "creditor_id": 1,
                "issue_ts": t + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
                "amount": 1e6,
            }
        )
        new_inv["creditor_id"] = (
            f.debtors.set_index("debtor_id").loc[new_inv["debtor_id"], "creditor_id"].to_numpy()
        )
        new_inv["due_ts"] = new_inv["issue_ts"] - pd.Timedelta(days=1)
        new_inv["paid_ts"] = new_inv["issue_ts"] + pd.Timedelta(days=90)
        inv = pd.concat([inv, new_inv], ignore_index=True)
        new_con = pd.DataFrame(
            {
                "contact_id": con["contact_id"].max() + 1 + np.arange(n)
                if len(con)
                else np.arange(1, n + 1),
                "debtor_id": rng.choice(debtors, n),
                "ts": t + pd.to_timedelta(rng.integers(0, 24 * 60, n), unit="min"),
                "channel": "phone",
                "tone": "firm",
                "stage": "collection",
            }
        )
        con = pd.concat([con, new_con], ignore_index=True)
        targets = rng.choice(inv["invoice_id"].to_numpy(), n)
        links = pd.concat(
            [links, pd.DataFrame({"contact_id": new_con["contact_id"], "invoice_id": targets})],
            ignore_index=True,
        )
        new_out = pd.DataFrame(
            {
                "debtor_id": new_con["debtor_id"],
                "contact_id": new_con["contact_id"].astype("Int64"),
                "kind": rng.choice(["promise", "dispute", "complaint"], n),
                "ts": new_con["ts"],
                "promised_ts": new_con["ts"].dt.floor("D"),
            }
        )
        out = pd.concat([out, new_out], ignore_index=True)
        new_dos = pd.DataFrame(
            {
                "debtor_id": new_con["debtor_id"].astype("Int64"),
                "invoice_id": pd.array([pd.NA] * n, dtype="Int64"),
                "kind": "complaint",
                "ts": new_con["ts"],
            }
        )
        dos = pd.concat([dos, new_dos], ignore_index=True)
    else:
        raise ValueError(mode)
    return LedgerFrames(f.debtors, inv, con, links, out, dos).normalised()
