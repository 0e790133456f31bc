"""The one entry point: :func:`build_features` turns (debtor, as_of, …) requests into feature rows.

Training rows (as of each historical decision or issue date) and live rows (as of now) come from
this same function; only the requests differ. Every history feature reads events strictly before
the request's ``as_of`` (see :mod:`features.point_in_time`). Output columns are the request keys
followed by the registry's features, in registry order and with the registry's dtypes.
"""

import pandas as pd

from features import calendar, debtor_history, invoice
from features.loading import LedgerFrames, to_utc
from features.point_in_time import ROW, sort_requests
from features.specs import FEATURES, FeatureSpec

KEYS = ["debtor_id", "invoice_id", "as_of"]


class RequestError(ValueError):
    """The requests frame lacks a column or names an unknown debtor."""


def _prepare(frames: LedgerFrames, requests: pd.DataFrame) -> pd.DataFrame:
    missing = {"debtor_id", "as_of"} - set(requests.columns)
    if missing:
        raise RequestError(f"requests lack column(s) {sorted(missing)}")
    req = pd.DataFrame(
        {"debtor_id": requests["debtor_id"].astype("int64"), "as_of": to_utc(requests["as_of"])}
    )
    if req["as_of"].isna().any():
        raise RequestError("every request needs an as_of time")
    req["invoice_id"] = requests.get("invoice_id", pd.Series(pd.NA, index=requests.index))
    req["invoice_id"] = req["invoice_id"].astype("Int64")
    for col in ("channel", "tone"):
        req[col] = requests[col].astype("str") if col in requests else "none"
        req[col] = req[col].fillna("none")
    send_at = to_utc(requests["send_at"]) if "send_at" in requests else req["as_of"]
    req["send_at"] = send_at.fillna(req["as_of"])
    creditor = frames.debtors.set_index("debtor_id")["creditor_id"]
    req["creditor_id"] = creditor.reindex(req["debtor_id"].to_numpy()).to_numpy()
    if req["creditor_id"].isna().any():
        unknown = req.loc[req["creditor_id"].isna(), "debtor_id"].unique()[:5].tolist()
        raise RequestError(f"unknown debtor id(s) {unknown}")
    req["creditor_id"] = req["creditor_id"].astype("int64")
    return sort_requests(req)


def _typed(values: pd.Series, spec: FeatureSpec, levels: list[str]) -> pd.Series:
    if spec.dtype == "category":
        return pd.Series(
            pd.Categorical(values.astype("str"), categories=list(spec.categories) or levels),
            index=values.index,
        )
    if spec.dtype == "int":
        return values.fillna(0).astype("int64")
    if spec.dtype == "bool":
        return values.fillna(False).astype("bool")
    return values.astype("float64")


def build_features(frames: LedgerFrames, requests: pd.DataFrame) -> pd.DataFrame:
    """Feature rows for requests ``[debtor_id, as_of, invoice_id?, channel?, tone?, send_at?]``.

    ``as_of`` and ``send_at`` are timestamps (naive = UTC); ``send_at`` defaults to ``as_of``.
    The result has the index of ``requests``, the columns :data:`KEYS` and then every feature of
    :data:`features.specs.FEATURES`.
    """
    f = frames.normalised()
    req = _prepare(f, requests)
    issued = debtor_history.issue_features(f, req)
    parts = [
        req[["debtor_id", "invoice_id", "as_of"]],
        debtor_history.settlement_features(f, req),
        issued,
        debtor_history.exposure_features(f, req),
        debtor_history.contact_features(f, req),
        debtor_history.response_features(f, req),
        debtor_history.outcome_features(f, req),
        debtor_history.static_features(f, req),
        invoice.invoice_features(f, req, issued["_mean_amount"]),
        calendar.calendar_features(req["send_at"]),
        pd.DataFrame({"cand_channel": req["channel"], "cand_tone": req["tone"]}, index=req.index),
    ]
    wide = pd.concat(parts, axis=1)
    wide.index = req[ROW].to_numpy()
    wide = wide.sort_index()
    out = pd.DataFrame({k: wide[k] for k in KEYS})
    # levels of open-ended categoricals come from the ledger, never from the rows asked for
    segments = sorted(f.debtors["segment"].astype("str").unique())
    for spec in FEATURES:
        out[spec.name] = _typed(wide[spec.name], spec, segments)
    out.index = requests.index
    return out
