"""Candidate feature rows as the boosters read them: one float64 matrix, no pandas per request.

LightGBM turns a DataFrame into a float matrix on every ``predict`` (categoricals mapped to the
codes of the training levels, bools to 0/1); for a handful of candidate rows that conversion costs
far more than the trees. :func:`encode_base` does it once per debtor table (the API caches the
result per creditor, day and model), and :func:`candidate_matrix` lays each candidate's action
features over the debtor's row with numpy, producing exactly the matrix LightGBM would have built
from :func:`policy.decide.candidate_rows`. :func:`decode` turns a matrix row back into the values
the explanations quote. This module never scores and never chooses.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.calendar import CALENDAR_COLUMNS, calendar_of_hour
from features.specs import CHANNELS, NONE_CHANNELS, NONE_TONES
from policy.model import OutcomeModels

ACTION_CATEGORIES = {"cand_channel": list(NONE_CHANNELS), "cand_tone": list(NONE_TONES)}
CANDIDATE_COLUMNS = ("debtor_id", "channel", "tone", "send_at", "cost_cents", "open_cents")


@dataclass(frozen=True)
class CandidateTable:
    """One row per (debtor, candidate action) as plain arrays; ``channel``/``tone`` are "none"
    for waiting, ``send_at`` is seconds since the epoch (UTC). :meth:`from_frame` takes the
    pandas table training and replay build; the API builds it from its actions directly."""

    debtor_id: NDArray[np.int64]
    channel: NDArray[np.str_]
    tone: NDArray[np.str_]
    send_at: NDArray[np.float64]
    cost_cents: NDArray[np.float64]
    open_cents: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.debtor_id)

    @classmethod
    def from_frame(cls, candidates: pd.DataFrame) -> "CandidateTable":
        missing = [c for c in CANDIDATE_COLUMNS if c not in candidates.columns]
        if missing:
            raise KeyError(f"candidate table lacks {missing}")
        send_at = pd.to_datetime(candidates["send_at"].to_numpy(), utc=True)
        return cls(
            debtor_id=candidates["debtor_id"].to_numpy(dtype=np.int64),
            channel=candidates["channel"].fillna("none").astype("str").to_numpy(dtype=str),
            tone=candidates["tone"].fillna("none").astype("str").to_numpy(dtype=str),
            send_at=np.asarray((send_at - pd.Timestamp(0, tz="UTC")).total_seconds(), float),
            cost_cents=candidates["cost_cents"].to_numpy(dtype=np.float64),
            open_cents=candidates["open_cents"].to_numpy(dtype=np.float64),
        )

    @classmethod
    def from_rows(
        cls, rows: Sequence[tuple[int, str | None, str | None, datetime, float, float]]
    ) -> "CandidateTable":
        """From ``(debtor_id, channel, tone, send_at (aware), cost_cents, open_cents)`` tuples."""
        return cls(
            debtor_id=np.array([r[0] for r in rows], dtype=np.int64),
            channel=np.array([r[1] or "none" for r in rows], dtype=str),
            tone=np.array([r[2] or "none" for r in rows], dtype=str),
            send_at=np.array([r[3].timestamp() for r in rows], dtype=np.float64),
            cost_cents=np.array([r[4] for r in rows], dtype=np.float64),
            open_cents=np.array([r[5] for r in rows], dtype=np.float64),
        )


@dataclass(frozen=True)
class EncodedBase:
    """Debtor rows (``index``: debtor id → row) in ``columns`` order: the model's features first,
    then the response-rate columns the candidate overlay reads."""

    index: dict[int, int]
    matrix: NDArray[np.float64]
    columns: list[str]
    n_features: int
    levels: dict[str, list[str]]  # categorical feature → levels (code = position)
    bools: frozenset[str]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.columns)}

    @cached_property
    def codes(self) -> dict[str, dict[str, float]]:
        """Per categorical feature, level -> code (a value that is no level reads as missing)."""
        return {n: {v: float(i) for i, v in enumerate(lv)} for n, lv in self.levels.items()}

    def col(self, name: str) -> int:
        """The column of ``name`` (a dict lookup: an answer reads a dozen columns, and
        ``list.index`` over ~60 names cost more than the matrix it fills)."""
        try:
            return self._positions[name]
        except KeyError:
            raise ValueError(f"{name!r} is not in the encoded columns") from None


def _levels(models: OutcomeModels, base: pd.DataFrame) -> dict[str, list[str]]:
    names = models.feature_names
    cats = [
        n
        for n in names
        if n in ACTION_CATEGORIES
        or (n in base.columns and isinstance(base[n].dtype, pd.CategoricalDtype))
    ]
    trained = models.pay.pandas_categorical
    if trained is None:  # LightGBM then takes the frame's own levels
        return {n: ACTION_CATEGORIES.get(n) or list(base[n].cat.categories) for n in cats}
    if len(trained) != len(cats) or models.complaint.pandas_categorical != trained:
        raise ValueError("train and live categorical features do not match")
    return {n: [str(v) for v in levels] for n, levels in zip(cats, trained, strict=True)}


def encode_base(models: OutcomeModels, base: pd.DataFrame) -> EncodedBase:
    """Every debtor row of ``base`` (index: debtor id) as the boosters read it."""
    names = models.feature_names
    extra = [f"resp_rate_{c}" for c in CHANNELS if f"resp_rate_{c}" not in names]
    columns = [*names, *extra]
    levels = _levels(models, base)
    matrix = np.full((len(base), len(columns)), np.nan)
    bools = {"send_is_holiday"}
    for j, name in enumerate(columns):
        if name not in base.columns:
            continue
        values = base[name]
        if name in levels:
            code = {v: float(i) for i, v in enumerate(levels[name])}  # not a level: missing
            matrix[:, j] = [code.get(v, np.nan) for v in values.astype("object")]
        else:
            if values.dtype == bool:
                bools.add(name)
            matrix[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    index = {int(d): i for i, d in enumerate(base.index)}
    return EncodedBase(index, matrix, columns, len(names), levels, frozenset(bools))


def candidate_matrix(
    enc: EncodedBase, candidates: CandidateTable | pd.DataFrame
) -> NDArray[np.float64]:
    """The feature matrix of ``candidates`` (one row each, the model's feature order)."""
    if isinstance(candidates, pd.DataFrame):
        candidates = CandidateTable.from_frame(candidates)
    debtor = candidates.debtor_id
    try:
        rows = enc.matrix[[enc.index[int(d)] for d in debtor]]
    except KeyError as err:
        raise KeyError(f"no feature row for debtor {err.args[0]}") from err
    channel, tone = candidates.channel, candidates.tone
    for name, values in (("cand_channel", channel), ("cand_tone", tone)):
        if name in enc.levels:
            code = enc.codes[name]
            rows[:, enc.col(name)] = [code.get(v, np.nan) for v in values]
    if "cand_resp_rate" in enc.columns:
        rate = np.full(len(rows), np.nan)
        for c in CHANNELS:
            rate = np.where(channel == c, rows[:, enc.col(f"resp_rate_{c}")], rate)
        rows[:, enc.col("cand_resp_rate")] = rate
    hours = np.floor_divide(candidates.send_at, 3600).astype(np.int64)
    cal = np.array([calendar_of_hour(int(h)) for h in hours], dtype=np.float64).reshape(
        len(rows), len(CALENDAR_COLUMNS)
    )
    for k, name in enumerate(CALENDAR_COLUMNS):
        if name in enc.columns:
            rows[:, enc.col(name)] = cal[:, k]
    return rows[:, : enc.n_features]


def decode_value(enc: EncodedBase, row: NDArray[np.float64], name: str) -> Any:
    """The value of one feature in a matrix row, as the explanations quote it."""
    v = row[enc.col(name)]
    if np.isnan(v):
        return None
    if name in enc.levels:
        return enc.levels[name][int(v)]
    if name in enc.bools:
        return bool(v)
    return float(v)


class RowValues(Mapping[str, Any]):
    """A matrix row read as ``{feature: value}``, decoded only where asked (the explanations
    quote three features of ~60)."""

    def __init__(self, enc: EncodedBase, row: NDArray[np.float64]) -> None:
        self.enc, self.row = enc, row

    def __getitem__(self, name: str) -> Any:
        if name not in self.enc.columns[: self.enc.n_features]:
            raise KeyError(name)
        return decode_value(self.enc, self.row, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.enc.columns[: self.enc.n_features])

    def __len__(self) -> int:
        return self.enc.n_features


def decode(enc: EncodedBase, row: NDArray[np.float64]) -> dict[str, Any]:
    """The values of one matrix row, as the explanations quote them."""
    return dict(RowValues(enc, row))
