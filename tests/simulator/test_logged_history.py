"""The logged history obeys the simulator's contact rules and records honest propensities."""

from collections import Counter

import numpy as np

from simulator.actions import ACTIONS, CHANNEL_OF, SLOT_OF
from simulator.config import HOURS
from simulator.history import History


def test_no_contact_on_sundays_holidays_or_outside_the_window(history: History) -> None:
    w, c = history.world, history.contact
    assert c["debtor"].size > 200
    days = c["day"]
    assert not (w.cal.weekday[days] == 6).any()
    assert not w.cal.holiday[days].any()
    for d, a in zip(c["debtor"].tolist(), c["action"].tolist(), strict=True):
        prof = w.cfg.creditors[int(w.pop.creditor[d])]
        minute = HOURS[SLOT_OF[a]] * 60
        assert 7 * 60 <= prof.contact_start_minute <= minute < prof.contact_end_minute <= 20 * 60
    creditor_weekday_ok = [
        int(w.cal.weekday[day]) in w.cfg.creditors[int(w.pop.creditor[d])].allowed_weekdays
        for d, day in zip(c["debtor"].tolist(), days.tolist(), strict=True)
    ]
    assert all(creditor_weekday_ok)


def test_at_most_one_contact_a_day_and_a_minimum_gap(history: History) -> None:
    c, gap = history.contact, history.world.cfg.min_gap_days
    per_day = Counter(zip(c["debtor"].tolist(), c["day"].tolist(), strict=True))
    assert max(per_day.values()) == 1
    order = np.lexsort((c["day"], c["debtor"]))
    deb, day = c["debtor"][order], c["day"][order]
    same = deb[1:] == deb[:-1]
    assert (np.diff(day)[same] >= gap).all()


def test_channels_exist_and_excluded_debtors_are_never_contacted(history: History) -> None:
    w, c = history.world, history.contact
    assert w.pop.excluded.any()
    assert not w.pop.excluded[c["debtor"]].any()
    ok = w.channel_ok[c["debtor"], CHANNEL_OF[c["action"]]]
    assert ok.all()


def test_propensities_are_probabilities_consistent_with_epsilon(history: History) -> None:
    eps = history.world.cfg.epsilon
    p = history.contact["propensity"]
    assert ((p > 0) & (p <= 1)).all()
    # either the ladder's choice: (1 - eps) + eps / (k + 1), or an explored one: eps / (k + 1)
    k_plus_1 = np.arange(2, len(ACTIONS) + 2)
    explored = np.isclose(p[:, None], eps / k_plus_1[None, :]).any(axis=1)
    ladder = np.isclose(p[:, None], (1 - eps) + eps / k_plus_1[None, :]).any(axis=1)
    assert (explored | ladder).all()
    assert 0.05 < explored.mean() < 0.6  # exploration happens, the ladder dominates
    assert history.model_version == "logging-ladder-eps0.2"
