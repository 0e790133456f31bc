"""A debtor's payment and contact history, as of each request's time (events strictly before it).

Each block builds one event stream whose timestamp is the moment its fact became *known*:

- settlements: an invoice paid on D is known at D (its lateness too, and only then);
- issues: an invoice issued on D is known at D;
- exposure: an invoice enters "open" at issue and leaves at payment; it enters "overdue" the day
  after its due date and leaves at ``max(overdue, paid)`` — so "currently overdue by k days"
  (censored lateness) is known without knowing when, or whether, it will be paid;
- contacts: known when sent; the *response* to a contact (a payment within
  :data:`RESPONSE_WINDOW_DAYS`) is known at the payment, or, without one, when the window closes;
- promises: a broken promise is known the day after the promised date.

Response rates are smoothed toward the creditor's population rate, itself computed only from
responses resolved before the as-of time and shrunk toward a fixed prior
(:data:`PRIOR_RATE`, :data:`PRIOR_STRENGTH_POPULATION`). Never read a column that holds current
state here (invoice status, open amount): it would leak the future into the past.
"""

import numpy as np
import pandas as pd

from features.loading import LedgerFrames, Population
from features.point_in_time import DAY, asof, cumulate, days_between, first_at_or_after
from features.specs import CHANNELS, TONES

RESPONSE_WINDOW_DAYS = 14
PRIOR_RATE = 0.3
PRIOR_STRENGTH_POPULATION = 20.0
PRIOR_STRENGTH_DEBTOR = 5.0
_GROUPS = (*CHANNELS, *TONES)
_EPOCH = pd.Timestamp("2000-01-01", tz="UTC")


def _settlements(f: LedgerFrames) -> pd.DataFrame:
    inv = f.invoices[f.invoices["paid_ts"].notna()]
    delay = days_between(inv["paid_ts"], inv["due_ts"])
    return pd.DataFrame(
        {
            "debtor_id": inv["debtor_id"],
            "ts": inv["paid_ts"],
            "n": 1.0,
            "late": (delay > 0).astype("float64"),
            "dl": delay.clip(lower=0),
            "dl_max": delay.clip(lower=0),
            "delay": delay,
            "to_pay": days_between(inv["paid_ts"], inv["issue_ts"]),
        }
    )


def settlement_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Invoices paid so far, how late, the recent trend and the last payment."""
    ev = _settlements(f).sort_values("ts", kind="stable").reset_index(drop=True)
    st = cumulate(
        ev, key="debtor_id", sums=["n", "late", "dl", "delay", "to_pay"], maxes=["dl_max"]
    )
    st["last_ts"] = st["ts"]
    med = ev.groupby("debtor_id", sort=False)["dl"].expanding().median()
    st["dl_med"] = med.droplevel(0).sort_index().to_numpy() if len(ev) else np.nan
    g = st.groupby("debtor_id", sort=False)
    st["late5"] = st["late"] - g["late"].shift(5).fillna(0.0)
    st["recent3"] = (st["dl"] - g["dl"].shift(3).fillna(0.0)) / st["n"].clip(upper=3.0)
    cols = ["n", "late", "dl", "delay", "to_pay", "dl_max", "dl_med", "late5", "recent3", "last_ts"]
    a = asof(req, st, key="debtor_id", columns=cols)
    n = a["n"].fillna(0.0)
    mean_dl = a["dl"] / a["n"]
    return pd.DataFrame(
        {
            "hist_n_settled": n.astype("int64"),
            "hist_share_late": a["late"] / a["n"],
            "hist_late_last5": a["late5"].fillna(0.0).astype("int64"),
            "hist_mean_days_late": mean_dl,
            "hist_median_days_late": a["dl_med"],
            "hist_max_days_late": a["dl_max"],
            "hist_recent_days_late": a["recent3"],
            "hist_trend_days_late": a["recent3"] - mean_dl,
            "hist_mean_pay_delay": a["delay"] / a["n"],
            "hist_mean_days_to_pay": a["to_pay"] / a["n"],
            "hist_days_since_last_payment": days_between(req["as_of"], a["last_ts"]),
        },
        index=req.index,
    )


def issue_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Invoices issued so far, their mean amount and the tenure since the first one."""
    inv = f.invoices
    ev = pd.DataFrame(
        {"debtor_id": inv["debtor_id"], "ts": inv["issue_ts"], "n": 1.0, "amt": inv["amount"]}
    )
    st = cumulate(ev, key="debtor_id", sums=["n", "amt"])
    st["first_ts"] = st.groupby("debtor_id", sort=False)["ts"].transform("min")
    a = asof(req, st, key="debtor_id", columns=["n", "amt", "first_ts"])
    return pd.DataFrame(
        {
            "hist_n_invoices": a["n"].fillna(0.0).astype("int64"),
            "_mean_amount": a["amt"] / a["n"],
            "tenure_days": days_between(req["as_of"], a["first_ts"]).fillna(0.0),
        },
        index=req.index,
    )


def exposure_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Open and overdue invoices at the as-of time, with the mean days overdue of the latter."""
    inv = f.invoices
    paid = inv[inv["paid_ts"].notna()]
    opened = pd.DataFrame({"debtor_id": inv["debtor_id"], "ts": inv["issue_ts"], "n": 1.0})
    opened["amt"] = inv["amount"]
    closed = pd.DataFrame({"debtor_id": paid["debtor_id"], "ts": paid["paid_ts"], "n": -1.0})
    closed["amt"] = -paid["amount"]
    st = cumulate(pd.concat([opened, closed]), key="debtor_id", sums=["n", "amt"])
    a = asof(req, st, key="debtor_id", columns=["n", "amt"])

    od_start = inv["due_ts"] + DAY
    due_day = (inv["due_ts"] - _EPOCH) / DAY
    enter = pd.DataFrame({"debtor_id": inv["debtor_id"], "ts": od_start, "n": 1.0})
    enter["amt"], enter["due"] = inv["amount"], due_day
    leave_ts = pd.concat([od_start[paid.index], paid["paid_ts"]], axis=1).max(axis=1)
    leave = pd.DataFrame({"debtor_id": paid["debtor_id"], "ts": leave_ts, "n": -1.0})
    leave["amt"], leave["due"] = -paid["amount"], -due_day[paid.index]
    so = cumulate(pd.concat([enter, leave]), key="debtor_id", sums=["n", "amt", "due"])
    o = asof(req, so, key="debtor_id", columns=["n", "amt", "due"])
    n_od = o["n"].fillna(0.0).round()
    now_day = (req["as_of"] - _EPOCH) / DAY
    return pd.DataFrame(
        {
            "open_invoices": a["n"].fillna(0.0).round().astype("int64"),
            "open_amount": a["amt"].fillna(0.0).round(2),
            "overdue_invoices": n_od.astype("int64"),
            "overdue_amount": o["amt"].fillna(0.0).round(2),
            "overdue_mean_days": (now_day - o["due"] / n_od).where(n_od > 0),
        },
        index=req.index,
    )


def contact_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Contacts so far, the last one's channel and tone, and days to pay after a first reminder."""
    con = f.contacts.assign(n=1.0)
    st = cumulate(con, key="debtor_id", sums=["n"], keep=["channel", "tone"])
    st["last_ts"] = st["ts"]
    a = asof(req, st, key="debtor_id", columns=["n", "channel", "tone", "last_ts"])

    links = f.contact_invoices.merge(con[["contact_id", "ts"]], on="contact_id")
    links = links.merge(f.invoices[["invoice_id", "debtor_id", "paid_ts"]], on="invoice_id")
    links = links[links["ts"] < links["paid_ts"]]  # reminders sent before the invoice was paid
    first = links.groupby("invoice_id", sort=False).agg(
        debtor_id=("debtor_id", "first"), first_ts=("ts", "min"), ts=("paid_ts", "first")
    )
    first["n"], first["d"] = 1.0, days_between(first["ts"], first["first_ts"])
    sr = cumulate(first.reset_index(), key="debtor_id", sums=["n", "d"])
    r = asof(req, sr, key="debtor_id", columns=["n", "d"])
    return pd.DataFrame(
        {
            "hist_n_contacts": a["n"].fillna(0.0).astype("int64"),
            "last_contact_channel": a["channel"].fillna("none"),
            "last_contact_tone": a["tone"].fillna("none"),
            "days_since_last_contact": days_between(req["as_of"], a["last_ts"]),
            "hist_days_to_pay_after_reminder": r["d"] / r["n"],
        },
        index=req.index,
    )


def _responses(f: LedgerFrames) -> pd.DataFrame:
    """One row per contact, stamped with the moment its response (or non-response) is known."""
    con = f.contacts.merge(f.debtors[["debtor_id", "creditor_id"]], on="debtor_id")
    con["day"] = con["ts"].dt.floor("D")
    pays = _settlements(f)[["debtor_id", "ts"]]
    first_pay = first_at_or_after(con, "day", pays, key="debtor_id", value="pay_ts")
    window_end = con["day"] + (RESPONSE_WINDOW_DAYS + 1) * DAY
    responded = first_pay.notna() & (first_pay < window_end)
    known = pd.concat([con["ts"], first_pay], axis=1).max(axis=1).where(responded, window_end)
    ev = pd.DataFrame({"debtor_id": con["debtor_id"], "creditor_id": con["creditor_id"]})
    ev["ts"] = known.astype(con["ts"].dtype)
    for g in _GROUPS:
        hit = (con["channel"] == g) | (con["tone"] == g)
        ev[f"n_{g}"] = hit.astype("float64")
        ev[f"y_{g}"] = (hit & responded).astype("float64")
    return ev


def response_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Smoothed response rate per channel and tone, and the rate of the candidate action."""
    ev = _responses(f)
    cols = [f"{p}_{g}" for g in _GROUPS for p in ("n", "y")]
    mine = asof(req, cumulate(ev, key="debtor_id", sums=cols), key="debtor_id", columns=cols)
    if f.population is None:
        pop = asof(req, cumulate(ev, key="creditor_id", sums=cols), key="creditor_id", columns=cols)
    else:
        if not (req["as_of"] == f.population.as_of).all():
            raise ValueError("a precomputed population serves requests as of its own moment only")
        pop = f.population.counts.reindex(req["creditor_id"].to_numpy())[cols]
        pop.index = req.index
    mine, pop = mine.fillna(0.0), pop.fillna(0.0)
    out = pd.DataFrame(index=req.index)
    for g in _GROUPS:
        prior = (pop[f"y_{g}"] + PRIOR_STRENGTH_POPULATION * PRIOR_RATE) / (
            pop[f"n_{g}"] + PRIOR_STRENGTH_POPULATION
        )
        out[f"resp_rate_{g}"] = (mine[f"y_{g}"] + PRIOR_STRENGTH_DEBTOR * prior) / (
            mine[f"n_{g}"] + PRIOR_STRENGTH_DEBTOR
        )
    cand = np.full(len(req), np.nan)
    channel = req["channel"].astype("str").to_numpy()
    for c in CHANNELS:
        cand = np.where(channel == c, out[f"resp_rate_{c}"].to_numpy(), cand)
    out["cand_resp_rate"] = cand
    return out


def population(f: LedgerFrames, as_of: pd.Timestamp) -> Population:
    """The creditors' response counts known before ``as_of`` in these frames (see
    :class:`~features.loading.Population`); sum the partial counts of disjoint debtor sets with
    :func:`add_populations`."""
    ev = _responses(f.normalised())
    cols = [f"{p}_{g}" for g in _GROUPS for p in ("n", "y")]
    counts = ev.loc[ev["ts"] < as_of].groupby("creditor_id")[cols].sum()
    return Population(as_of, counts)


def add_populations(parts: list[Population]) -> Population:
    if len({p.as_of for p in parts}) != 1:
        raise ValueError("partial populations must share their as_of")
    counts = pd.concat([p.counts for p in parts]).groupby(level=0).sum()
    return Population(parts[0].as_of, counts)


def outcome_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Promises (made, broken), disputes, complaints and the last outcome."""
    out = f.outcomes
    kind = out["kind"].astype("str")
    dos_kind = f.dossier["kind"].astype("str").str.lower()
    dos = f.dossier[f.dossier["debtor_id"].notna()]
    cols = ["promise", "dispute", "complaint"]
    from_outcomes = pd.DataFrame({"debtor_id": out["debtor_id"], "ts": out["ts"]})
    from_dossier = pd.DataFrame({"debtor_id": dos["debtor_id"].astype("int64"), "ts": dos["ts"]})
    for c in cols:
        from_outcomes[c] = (kind == c).astype("float64")
        from_dossier[c] = dos_kind[dos.index].str.contains(c[:6]).astype("float64")
    # an importer may log one dispute both as an outcome and in the dossier: take the larger count
    a = asof(
        req, cumulate(from_outcomes, key="debtor_id", sums=cols), key="debtor_id", columns=cols
    )
    d = asof(req, cumulate(from_dossier, key="debtor_id", sums=cols), key="debtor_id", columns=cols)
    a = a.fillna(0.0).combine(d.fillna(0.0), np.maximum)
    last = asof(req, out[["debtor_id", "ts", "kind"]], key="debtor_id", columns=["kind"])

    prom = out[(kind == "promise") & out["promised_ts"].notna()].copy()
    prom["day"] = prom["ts"].dt.floor("D")
    pays = _settlements(f)[["debtor_id", "ts"]]
    first_pay = first_at_or_after(prom, "day", pays, key="debtor_id", value="pay_ts")
    deadline = prom["promised_ts"] + DAY
    broken = first_pay.isna() | (first_pay >= deadline)
    br = pd.DataFrame({"debtor_id": prom["debtor_id"], "ts": deadline, "b": broken.astype(float)})
    b = asof(req, cumulate(br, key="debtor_id", sums=["b"]), key="debtor_id", columns=["b"])
    return pd.DataFrame(
        {
            "last_outcome": last["kind"].fillna("none"),
            "hist_n_promises": a["promise"].fillna(0.0).astype("int64"),
            "hist_n_promises_broken": b["b"].fillna(0.0).astype("int64"),
            "hist_n_disputes": a["dispute"].fillna(0.0).astype("int64"),
            "hist_n_complaints": a["complaint"].fillna(0.0).astype("int64"),
        },
        index=req.index,
    )


def static_features(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """What the ledger says about the debtor now: kind, segment, reachable channels."""
    cols = ["debtor_kind", "segment", "reach_email", "reach_phone", "reach_letter"]
    deb = f.debtors.rename(columns={"kind": "debtor_kind"}).set_index("debtor_id")
    out = deb.reindex(req["debtor_id"].to_numpy())[cols]
    out.index = req.index
    return out
