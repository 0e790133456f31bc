"""The learned half of the policy: values, exploration and propensities, batched scoring, SHAP
explanations — on small LightGBM models whose right answer is known by construction."""

from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from features.specs import FEATURES
from policy import choice
from policy.decide import candidate_rows, decide
from policy.model import Calibration, OutcomeModels
from policy.value import ValueWeights, action_values
from tests.factories import synthetic_base

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _base(n: int, rng: np.random.Generator) -> pd.DataFrame:
    frame = synthetic_base(n, rng)
    frame["hist_share_late"] = rng.random(n)
    return frame


def _truth(rows: pd.DataFrame) -> np.ndarray:
    """Late payers answer SMS, punctual ones e-mail; waiting helps little."""
    late = rows["hist_share_late"].to_numpy() > 0.5
    ch = rows["cand_channel"].astype(str).to_numpy()
    p = np.full(len(rows), 0.1)
    p = np.where(late & (ch == "sms"), 0.6, p)
    p = np.where(~late & (ch == "email"), 0.6, p)
    return p


@pytest.fixture(scope="module")
def models() -> OutcomeModels:
    rng = np.random.default_rng(0)
    n = 6000
    base = _base(n, rng).set_index(pd.RangeIndex(n))
    cands = pd.DataFrame(
        {
            "debtor_id": np.arange(n),
            "channel": rng.choice(["none", "email", "sms"], n),
            "tone": "neutral",
            "send_at": pd.Timestamp(NOW),
            "cost_cents": 0,
            "open_cents": 10_000,
        }
    )
    rows = candidate_rows(base, cands)
    names = [s.name for s in FEATURES]
    y = (rng.random(n) < _truth(rows)).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 8, "min_data_in_leaf": 20}
    pay = lgb.train(params, lgb.Dataset(rows[names], y), num_boost_round=60)
    complaint = lgb.train(
        params, lgb.Dataset(rows[names], (rng.random(n) < 0.01).astype(int)), num_boost_round=5
    )
    return OutcomeModels(pay=pay, complaint=complaint, feature_names=names)


def _request(base: pd.DataFrame, cost_sms: int = 20) -> pd.DataFrame:
    out = []
    for debtor in base.index:
        for ch, cost in (("none", 0), ("email", 0), ("sms", cost_sms)):
            out.append(
                {
                    "debtor_id": debtor,
                    "channel": ch,
                    "tone": "none" if ch == "none" else "neutral",
                    "send_at": pd.Timestamp(NOW + timedelta(hours=1)),
                    "cost_cents": cost,
                    "open_cents": 50_000,
                }
            )
    return pd.DataFrame(out)


def test_picks_the_channel_that_works_for_each_debtor(models: OutcomeModels) -> None:
    base = _base(2, np.random.default_rng(1))
    base["hist_share_late"] = [0.9, 0.1]
    base.index = pd.Index([101, 202])
    cands = _request(base)
    got = decide(
        models,
        base,
        cands,
        now=NOW,
        weights=ValueWeights(),
        exploration=choice.Exploration("greedy"),
        rng=np.random.default_rng(0),
    )
    picked = {d.debtor_id: cands.iloc[d.chosen]["channel"] for d in got}
    assert picked == {101: "sms", 202: "email"}
    for d in got:
        assert d.propensity == 1.0
        assert len(d.alternatives) == 2
        assert d.alternatives[0]["value_cents"] >= d.alternatives[1]["value_cents"]
        assert d.value_cents >= d.alternatives[0]["value_cents"]
        assert d.versus_runner_up is not None
        assert d.reasons
        assert d.reasons[0].feature not in ("cand_channel", "cand_tone")
        assert d.base_value is not None
        # SHAP values add up to the raw score of the chosen row
        raw = models.pay.predict(
            candidate_rows(base, cands.iloc[[d.chosen]])[models.feature_names], raw_score=True
        )[0]
        assert sum(d.shap.values()) + d.base_value == pytest.approx(raw, abs=1e-6)


def test_a_costly_channel_loses_to_a_cheap_one_when_gains_are_small(models: OutcomeModels) -> None:
    base = _base(1, np.random.default_rng(2))
    base["hist_share_late"] = [0.9]
    base.index = pd.Index([7])
    cands = _request(base, cost_sms=50_000)
    (d,) = decide(
        models,
        base,
        cands,
        now=NOW,
        weights=ValueWeights(),
        exploration=choice.Exploration("greedy"),
        rng=np.random.default_rng(0),
        explain_choice=False,
    )
    assert cands.iloc[d.chosen]["channel"] != "sms"


@pytest.mark.parametrize("keyed", [False, True], ids=["stream", "keyed"])
def test_epsilon_greedy_propensities_match_the_draws(models: OutcomeModels, keyed: bool) -> None:
    base = _base(400, np.random.default_rng(3))
    base["hist_share_late"] = 0.9
    cands = _request(base)
    eps = 0.3
    got = decide(
        models,
        base,
        cands,
        now=NOW,
        weights=ValueWeights(),
        exploration=choice.Exploration("epsilon", epsilon=eps),
        rng=partial(choice.keyed_uniform, "test", NOW.date())
        if keyed
        else np.random.default_rng(5),
        explain_choice=False,
    )
    best = [d.propensity == pytest.approx(1 - eps + eps / 3) for d in got]
    share = np.mean(best)
    assert abs(share - (1 - eps + eps / 3)) < 0.06
    assert {round(d.propensity, 6) for d in got} <= {round(1 - eps + eps / 3, 6), round(eps / 3, 6)}


def test_a_keyed_draw_is_the_same_for_the_same_question_and_varies_across_days(
    models: OutcomeModels,
) -> None:
    base = _base(300, np.random.default_rng(4))
    cands = _request(base)
    kwargs = {"now": NOW, "weights": ValueWeights(), "explain_choice": False}
    explore = choice.Exploration("epsilon", epsilon=0.9)

    def chosen(day: date, rows: pd.DataFrame) -> dict[int, tuple[str, float]]:
        got = decide(
            models, base, rows, exploration=explore, rng=partial(choice.keyed_uniform, 1, day),
            **kwargs,
        )  # fmt: skip
        return {d.debtor_id: (rows.iloc[d.chosen]["channel"], d.propensity) for d in got}

    today = chosen(NOW.date(), cands)
    # the same debtors again, asked in another order and split: the same answers
    half = cands[cands["debtor_id"].isin(base.index[::2])]
    assert chosen(NOW.date(), half) == {d: today[d] for d in base.index[::2]}
    tomorrow = chosen(NOW.date() + timedelta(days=1), cands)
    changed = sum(today[d][0] != tomorrow[d][0] for d in today)
    assert 0.3 < changed / len(today) < 0.8  # with ε = 0.9 over 3 candidates, about 0.6


def test_draw_at_maps_a_uniform_as_numpy_does() -> None:
    p = np.array([0.2, 0.5, 0.3])
    for seed in range(200):
        u = np.random.default_rng(seed).random()
        assert choice.draw_at(p, u) == choice.draw(p, np.random.default_rng(seed))
    assert choice.draw_at(p, 0.0) == (0, 0.2)
    assert choice.draw_at(p, 1 - 1e-16) == (2, 0.3)
    us = [choice.keyed_uniform("k", i) for i in range(4000)]
    assert all(0.0 <= u < 1.0 for u in us)
    assert abs(np.mean(us) - 0.5) < 0.02
    assert len(set(us)) == len(us)


def test_softmax_prefers_higher_values() -> None:
    p = choice.probabilities(np.array([0.0, 100.0, 1000.0]), choice.Exploration("softmax"))
    assert p.sum() == pytest.approx(1.0)
    assert p[2] > p[1] > p[0]
    with pytest.raises(ValueError, match="epsilon"):
        choice.Exploration(epsilon=1.5)
    with pytest.raises(ValueError, match="no candidates"):
        choice.probabilities(np.array([]), choice.Exploration())


def test_value_arithmetic() -> None:
    w = ValueWeights(harm_cents=1000, annual_discount=0.0, horizon_days=14)
    v = action_values(
        open_cents=np.array([10_000.0]),
        p_pay=np.array([0.5]),
        p_complaint=np.array([0.1]),
        cost_cents=np.array([150.0]),
        days_until_send=np.array([0.0]),
        weights=w,
    )
    assert v[0] == pytest.approx(10_000 * 0.5 - 150 - 100)
    later = action_values(
        open_cents=np.array([10_000.0]),
        p_pay=np.array([0.5]),
        p_complaint=np.array([0.0]),
        cost_cents=np.array([0.0]),
        days_until_send=np.array([30.0]),
        weights=ValueWeights(annual_discount=0.2),
    )
    assert later[0] < 5000


def test_models_round_trip_through_files(models: OutcomeModels, tmp_path: Path) -> None:
    models.pay_calibration = Calibration((0.0, 0.5, 1.0), (0.0, 0.4, 1.0))
    models.save(tmp_path)
    again = OutcomeModels.load(tmp_path)
    rows = candidate_rows(
        _base(5, np.random.default_rng(9)), _request(_base(5, np.random.default_rng(9)))
    )
    a, b = models.predict(rows), again.predict(rows)
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])


def test_json_shaped_rows_score_like_typed_ones(models: OutcomeModels) -> None:
    """MLflow serving sends strings for categoricals and objects for all-missing columns."""
    rows = candidate_rows(
        _base(4, np.random.default_rng(4)), _request(_base(4, np.random.default_rng(4)))
    )
    loose = rows.copy()
    for c in loose.columns:
        if isinstance(loose[c].dtype, pd.CategoricalDtype):
            loose[c] = loose[c].astype("str")
    loose["hist_mean_days_late"] = pd.Series([None] * len(loose), dtype="object")
    rows["hist_mean_days_late"] = np.nan
    np.testing.assert_allclose(models.predict(loose)[0], models.predict(rows)[0])
