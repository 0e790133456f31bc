"""The numpy candidate matrix is exactly what LightGBM builds from the pandas candidate rows:
same probabilities, same SHAP values, same quoted values in the explanations."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from policy.decide import candidate_rows
from policy.encoding import candidate_matrix, decode, encode_base
from policy.explain import _plain
from policy.model import OutcomeModels
from tests.serving.api.tiny_policy import synthetic_base, train_models

NOW = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # the week of a DST change and Easter


@pytest.fixture(scope="module")
def models() -> OutcomeModels:
    return train_models(seed=3, n=1500, rounds=10)


def _case(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    base = synthetic_base(n, rng)
    for name in base.columns[::7]:  # some missing values, categoricals included
        if base[name].dtype != bool:
            base.loc[base.index[::3], name] = np.nan
    base.index = pd.Index(rng.permutation(np.arange(100, 100 + n)))
    rows = []
    for debtor in base.index:
        for ch, tone in (("none", "none"), ("email", "friendly"), ("sms", "firm"), (None, None)):
            hours = int(rng.integers(0, 24 * 40))
            rows.append(
                {
                    "debtor_id": debtor,
                    "channel": ch,
                    "tone": tone,
                    "send_at": pd.Timestamp(NOW) + pd.Timedelta(hours=hours),
                    "cost_cents": 0,
                    "open_cents": 1,
                }
            )
    return base, pd.DataFrame(rows)


@pytest.mark.parametrize("n", [1, 7, 60])
def test_matrix_scores_and_explains_like_the_pandas_rows(models: OutcomeModels, n: int) -> None:
    base, cands = _case(n, seed=n)
    frame = candidate_rows(base, cands)
    enc = encode_base(models, base)
    matrix = candidate_matrix(enc, cands)
    expected = models.predict(frame)
    np.testing.assert_array_equal(
        models.pay.predict(matrix), models.pay.predict(frame[models.feature_names])
    )
    got = (models.pay.predict(matrix), models.complaint.predict(matrix))
    np.testing.assert_array_equal(models.pay_calibration.apply(got[0]), expected[0])
    np.testing.assert_array_equal(models.complaint_calibration.apply(got[1]), expected[1])
    np.testing.assert_array_equal(
        models.pay.predict(matrix, pred_contrib=True), models.pay_contributions(frame)
    )
    records = frame[models.feature_names].to_dict("records")
    for row, record in zip(matrix, records, strict=True):
        quoted = {k: _plain(v) for k, v in decode(enc, row).items()}
        assert quoted == {str(k): _plain(v) for k, v in record.items()}


def test_an_unknown_debtor_is_a_key_error(models: OutcomeModels) -> None:
    base, cands = _case(2, seed=1)
    cands.loc[0, "debtor_id"] = 1
    with pytest.raises(KeyError, match="debtor 1"):
        candidate_matrix(encode_base(models, base), cands)
