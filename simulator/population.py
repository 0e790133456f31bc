"""Seeded generation of the population: creditors, debtors (with latent traits) and invoices.

Only arrays: the world and the ledger writer read them. Names, e-mail addresses and phone numbers
are derived from the debtor index in :mod:`simulator.to_ledger`, so this module stays fast. The
latent traits (archetype, individual hazard, loyalty) are ground truth: they must never be written
into a ledger column that a feature could read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from simulator.config import ARCHETYPES, SimConfig
from simulator.params import CHANNELS

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def stream(seed: int, purpose: int, *extra: int) -> np.random.Generator:
    """An independent random stream per purpose (0 population, 1 response, 2 policy)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, purpose, *extra])))


@dataclass(frozen=True)
class Population:
    start: date
    days: int
    # debtors
    creditor: IntArray
    b2c: BoolArray
    archetype: IntArray
    indiv: FloatArray  # individual multiplier on the base hazard
    loyal: BoolArray  # long-standing customer: a firm tone offends
    has_email: BoolArray
    has_phone: BoolArray
    has_mobile: BoolArray
    has_address: BoolArray
    opt_out: BoolArray  # [debtor, channel]
    excluded: BoolArray  # inter-company: never dunned
    # invoices, sorted by issue day
    inv_debtor: IntArray
    inv_issue: IntArray
    inv_due: IntArray
    inv_amount: IntArray  # cents

    @property
    def n_debtors(self) -> int:
        return int(self.creditor.size)

    @property
    def n_invoices(self) -> int:
        return int(self.inv_debtor.size)

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))


def _debtors(cfg: SimConfig, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    n = cfg.n_debtors
    shares = np.array([c.share for c in cfg.creditors], dtype=float)
    counts = np.floor(shares / shares.sum() * n).astype(np.int64)
    counts[np.argmax(shares)] += n - counts.sum()
    creditor = np.repeat(np.arange(len(cfg.creditors)), counts)
    b2c = np.zeros(n, dtype=bool)
    archetype = np.zeros(n, dtype=np.int64)
    excluded = np.zeros(n, dtype=bool)
    for ci, prof in enumerate(cfg.creditors):
        idx = np.flatnonzero(creditor == ci)
        b2c[idx] = rng.random(idx.size) >= prof.b2b_share
        for kind_b2c, mix in ((False, prof.archetype_mix_b2b), (True, prof.archetype_mix_b2c)):
            sub = idx[b2c[idx] == kind_b2c]
            p = np.array([mix.get(a, 0.0) for a in ARCHETYPES])
            archetype[sub] = rng.choice(len(ARCHETYPES), size=sub.size, p=p / p.sum())
        excluded[idx[: min(prof.intercompany_debtors, max(idx.size // 20, 0))]] = True
    cd = cfg.contacts
    u = rng.random((n, 8))
    has_email = u[:, 0] >= np.where(b2c, cd.no_email_b2c, cd.no_email_b2b)
    has_phone = u[:, 1] >= np.where(b2c, cd.no_phone_b2c, cd.no_phone_b2b)
    has_mobile = has_phone & (b2c | (u[:, 2] >= cd.no_mobile_b2b))
    has_address = u[:, 3] >= cd.no_address
    opt_out = np.zeros((n, len(CHANNELS)), dtype=bool)
    opt_out[:, 0] = u[:, 4] < cd.opt_out_email
    opt_out[:, 1] = u[:, 5] < cd.opt_out_sms
    opt_out[:, 4] = u[:, 6] < cd.opt_out_robocall
    punctual = archetype == ARCHETYPES.index("punctual")
    traits = cfg.world.population
    loyal = punctual | (u[:, 7] < traits.loyal_share)
    return {
        "creditor": creditor,
        "b2c": b2c,
        "archetype": archetype,
        "indiv": np.exp(rng.normal(0.0, traits.individual_sigma, n)),
        "loyal": loyal,
        "has_email": has_email,
        "has_phone": has_phone,
        "has_mobile": has_mobile,
        "has_address": has_address,
        "opt_out": opt_out,
        "excluded": excluded,
    }


def _invoices(
    cfg: SimConfig, d: dict[str, NDArray[np.generic]], start: date, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    creditor = d["creditor"].astype(np.int64)
    b2c = d["b2c"].astype(bool)
    ap = d["archetype"] == ARCHETYPES.index("ap_department")
    n, days = creditor.size, cfg.days
    median = np.array([c.amount_median_eur for c in cfg.creditors])[creditor]
    sigma = np.array([c.amount_sigma for c in cfg.creditors])[creditor]
    traits = cfg.world.population
    scale = median * np.exp(rng.normal(0.0, traits.debtor_scale_sigma, n))
    scale = scale * np.where(ap, traits.ap_amount_factor, 1.0)
    rate = np.array([c.invoices_per_month for c in cfg.creditors])[creditor]
    monthly = rate <= 0
    activity = rng.gamma(traits.activity_shape, traits.activity_scale, n)
    counts = np.where(monthly, 0, rng.poisson(np.maximum(rate, 0) * activity * days / 30.0))
    deb_p = np.repeat(np.arange(n), counts)
    day_p = rng.integers(0, days, deb_p.size)
    amt_p = scale[deb_p] * np.exp(rng.normal(0.0, sigma[deb_p]) - sigma[deb_p] ** 2 / 2)
    # monthly subscriptions: the same plan amount on the debtor's billing day of each month
    sub = np.flatnonzero(monthly)
    dom = rng.integers(1, 29, sub.size)
    month_starts = [
        (date(y, m, 1) - start).days
        for y in range(start.year, start.year + days // 365 + 2)
        for m in range(1, 13)
    ]
    ms = np.array(month_starts, dtype=np.int64)
    grid = ms[None, :] + dom[:, None] - 1
    ok = (grid >= 0) & (grid < days)
    deb_m = np.broadcast_to(sub[:, None], grid.shape)[ok]
    day_m = grid[ok]
    amt_m = np.round(scale[deb_m] / 5.0) * 5.0 - 0.05  # plan prices like 29.95
    deb = np.concatenate([deb_p, deb_m])
    issue = np.concatenate([day_p, day_m]).astype(np.int64)
    amount = np.maximum(np.round(np.concatenate([amt_p, amt_m]) * 100), 500).astype(np.int64)
    terms_b2b = np.array([c.terms_b2b_days for c in cfg.creditors])
    terms_b2c = np.array([c.terms_b2c_days for c in cfg.creditors])
    terms = np.where(b2c[deb], terms_b2c[creditor[deb]], terms_b2b[creditor[deb]])
    order = np.lexsort((deb, issue))
    return deb[order], issue[order], (issue + terms)[order], amount[order]


def generate(seed: int, cfg: SimConfig) -> Population:
    """The population of a world; depends on the seed and the config only."""
    rng = stream(seed, 0)
    start = cfg.end - timedelta(days=cfg.days - 1)
    d = _debtors(cfg, rng)
    inv_debtor, inv_issue, inv_due, inv_amount = _invoices(cfg, d, start, rng)
    return Population(
        start=start,
        days=cfg.days,
        creditor=d["creditor"].astype(np.int64),
        b2c=d["b2c"].astype(bool),
        archetype=d["archetype"].astype(np.int64),
        indiv=d["indiv"].astype(float),
        loyal=d["loyal"].astype(bool),
        has_email=d["has_email"].astype(bool),
        has_phone=d["has_phone"].astype(bool),
        has_mobile=d["has_mobile"].astype(bool),
        has_address=d["has_address"].astype(bool),
        opt_out=d["opt_out"].astype(bool),
        excluded=d["excluded"].astype(bool),
        inv_debtor=inv_debtor,
        inv_issue=inv_issue,
        inv_due=inv_due,
        inv_amount=inv_amount,
    )


def tiled(pop: Population, copies: int) -> Population:
    """``copies`` identical copies of a population side by side (debtor ``k * n + i`` is copy ``k``
    of debtor ``i``): with the world's draws tiled alike, one run replays ``copies`` policies on
    the same debtors at once. Invoices stay ordered by issue day, each debtor's in its own order."""
    if copies == 1:
        return pop
    n = pop.n_debtors
    per_debtor = {
        f: np.tile(getattr(pop, f), (copies, 1) if getattr(pop, f).ndim == 2 else copies)
        for f in ("creditor", "b2c", "archetype", "indiv", "loyal", "has_email", "has_phone",
                  "has_mobile", "has_address", "opt_out", "excluded")
    }  # fmt: skip
    deb = (pop.inv_debtor[None, :] + n * np.arange(copies)[:, None]).ravel()
    issue = np.tile(pop.inv_issue, copies)
    order = np.lexsort((deb, issue))
    return Population(
        start=pop.start,
        days=pop.days,
        **per_debtor,
        inv_debtor=deb[order],
        inv_issue=issue[order],
        inv_due=np.tile(pop.inv_due, copies)[order],
        inv_amount=np.tile(pop.inv_amount, copies)[order],
    )
