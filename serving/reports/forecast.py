"""Expected incoming cash per week for the next weeks: the digest's forecast.

A :class:`CashForecaster` answers ``forecast(session, creditor_id=…, as_of=…, weeks=4)`` with one
:class:`WeekCash` per week; week ``k`` (0-based) covers ``as_of + 7k + 1 … as_of + 7k + 7``.

Two forecasters share one method: predict each open invoice's days late, expect its open amount on
``due date + days late`` (or tomorrow, when that day has passed), and sum per week. Disputed and
paused invoices are left out: they are not expected to be paid while they wait on the client.

* :class:`BaselineForecaster` — from the days late of invoices settled on or before ``as_of``:
  an invoice already *L* days late is expected after the mean of the debtor's settled invoices
  that were more than *L* days late (else the creditor's); when none ever was that late it is not
  expected within the horizon (left out, not piled onto next week). A new client without any
  history: :data:`DEFAULT_DAYS_LATE` for invoices not yet due. It reads no event after ``as_of``,
  so it is leak-free and can be back-tested.
* :class:`ModelForecaster` — the hook for the payment-time model registered in MLflow as
  ``payment-time``: give it any ``days_late(invoices, as_of) -> list[float]``;
  :func:`mlflow_forecaster` builds one from a pyfunc URI and the point-in-time features.

To plug in another model: implement ``CashForecaster`` (or pass a ``DaysLatePredictor`` to
``ModelForecaster``) and hand it to :func:`serving.reports.digest_data.build_digest`. Serving must
never import ``training``; a pyfunc loaded from MLflow is fine.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import InvoiceStatus
from ledger.tables import Creditor, Invoice
from serving.reports.reconstruct import open_by_invoice_at

DEFAULT_DAYS_LATE = 14.0


@dataclass(frozen=True)
class WeekCash:
    week_start: date  # first day of the week
    week_end: date  # last day, inclusive
    expected_cents: int
    invoices: int


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: int
    debtor_id: int
    due_date: date
    open_cents: int


BASELINE = "baseline"  # the ``by`` of the baseline forecaster


class CashForecaster(Protocol):
    by: str  # what forecast it, shown beside the figures: a model version or ``BASELINE``

    def forecast(
        self, session: Session, *, creditor_id: int, as_of: date, weeks: int = 4
    ) -> list[WeekCash]: ...


DaysLatePredictor = Callable[[Session, Sequence[OpenInvoice], date], list[float]]


def open_invoices(session: Session, *, creditor_id: int, as_of: date) -> list[OpenInvoice]:
    """Invoices open at the end of ``as_of`` that are expected to be paid (not disputed/paused)."""
    amounts = open_by_invoice_at(session, creditor_id=creditor_id, day=as_of)
    if not amounts:
        return []
    rows = session.exec(
        select(Invoice).where(
            col(Invoice.id).in_(list(amounts)),
            col(Invoice.status).not_in((InvoiceStatus.DISPUTED, InvoiceStatus.PAUSED)),
        )
    ).all()
    return [
        OpenInvoice(inv.id, inv.debtor_id, inv.due_date, amounts[inv.id])
        for inv in rows
        if inv.id is not None
    ]


def expected_day(inv: OpenInvoice, days_late: float, as_of: date) -> date:
    """The day an invoice is expected to be paid: due date + days late, or tomorrow when that
    day has passed."""
    return max(inv.due_date + timedelta(days=round(days_late)), as_of + timedelta(days=1))


def weekly_cash(
    invoices: Sequence[OpenInvoice], days_late: Sequence[float], *, as_of: date, weeks: int
) -> list[WeekCash]:
    """Sum each invoice's open amount into the week its expected payment day falls in."""
    cents: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for inv, late in zip(invoices, days_late, strict=True):
        expected = expected_day(inv, late, as_of)
        week = (expected - as_of - timedelta(days=1)).days // 7
        if week < weeks:
            cents[week] += inv.open_cents
            counts[week] += 1
    return [
        WeekCash(
            as_of + timedelta(days=7 * k + 1),
            as_of + timedelta(days=7 * k + 7),
            cents[k],
            counts[k],
        )
        for k in range(weeks)
    ]


def settled_days_late(
    session: Session, *, creditor_id: int, as_of: date
) -> dict[int | None, list[int]]:
    """{debtor_id: days late of each invoice settled on or before ``as_of``}; key ``None`` pools
    the creditor's. Early payments count as 0 days late."""
    rows = session.exec(
        select(col(Invoice.debtor_id), col(Invoice.due_date), col(Invoice.paid_on)).where(
            Invoice.creditor_id == creditor_id,
            col(Invoice.paid_on).is_not(None),
            col(Invoice.paid_on) <= as_of,
        )
    ).all()
    per: dict[int | None, list[int]] = defaultdict(list)
    for debtor_id, due, paid in rows:
        if paid is None:  # pragma: no cover - excluded by the query
            continue
        late = max(0, (paid - due).days)
        per[debtor_id].append(late)
        per[None].append(late)
    return per


def expected_days_late(
    history: dict[int | None, list[int]], inv: OpenInvoice, as_of: date
) -> float | None:
    """Mean days late of the settled invoices that were later than this one already is (the
    debtor's own, else the creditor's); ``None`` when none ever was (not expected soon)."""
    already = (as_of - inv.due_date).days  # negative while not yet due
    for key in (inv.debtor_id, None):
        later = [d for d in history.get(key, []) if d > already]
        if later:
            return sum(later) / len(later)
    if not history.get(None) and already < 0:
        return DEFAULT_DAYS_LATE  # no history at all: a new client's invoice not yet due
    return None


def baseline_days_late(
    session: Session, *, creditor_id: int, as_of: date
) -> tuple[list[OpenInvoice], list[float]]:
    """The open invoices the baseline expects to be paid, and the days late of each."""
    history = settled_days_late(session, creditor_id=creditor_id, as_of=as_of)
    kept: list[OpenInvoice] = []
    late: list[float] = []
    for inv in open_invoices(session, creditor_id=creditor_id, as_of=as_of):
        days = expected_days_late(history, inv, as_of)
        if days is not None:
            kept.append(inv)
            late.append(days)
    return kept, late


def expected_pay_days(session: Session, *, creditor_id: int, as_of: date) -> dict[int, date]:
    """{invoice id: the day the baseline expects it paid}; invoices not expected are left out."""
    kept, late = baseline_days_late(session, creditor_id=creditor_id, as_of=as_of)
    return {inv.invoice_id: expected_day(inv, d, as_of) for inv, d in zip(kept, late, strict=True)}


class BaselineForecaster:
    """Each debtor's history of days late, conditional on how late the invoice already is;
    leak-free (only invoices settled on or before ``as_of``)."""

    by = BASELINE

    def forecast(
        self, session: Session, *, creditor_id: int, as_of: date, weeks: int = 4
    ) -> list[WeekCash]:
        kept, late = baseline_days_late(session, creditor_id=creditor_id, as_of=as_of)
        return weekly_cash(kept, late, as_of=as_of, weeks=weeks)


class ModelForecaster:
    """Days late from a model (the payment-time model), same weekly summing as the baseline."""

    def __init__(self, predict: DaysLatePredictor, by: str = "model") -> None:
        self._predict = predict
        self.by = by

    def forecast(
        self, session: Session, *, creditor_id: int, as_of: date, weeks: int = 4
    ) -> list[WeekCash]:
        invoices = open_invoices(session, creditor_id=creditor_id, as_of=as_of)
        late = self._predict(session, invoices, as_of) if invoices else []
        return weekly_cash(invoices, late, as_of=as_of, weeks=weeks)


def registry_version(model_uri: str) -> tuple[str, str]:
    """(the URI of the exact version, its label): ``models:/name@alias`` is resolved to
    ``models:/name/<version>`` and ``name/<version>``, so a moved alias names, and loads, the
    new version; any other URI is its own label."""
    if not model_uri.startswith("models:/") or "@" not in model_uri:
        return model_uri, model_uri.removeprefix("models:/")
    from mlflow import MlflowClient

    name, alias = model_uri.removeprefix("models:/").split("@", 1)
    version = MlflowClient().get_model_version_by_alias(name, alias).version
    return f"models:/{name}/{version}", f"{name}/{version}"


@lru_cache(maxsize=4)
def _load_pyfunc(tracking_uri: str, exact_uri: str) -> Any:
    """A loaded pyfunc per registry and exact version: the Overview asks on every page view."""
    import mlflow

    return mlflow.pyfunc.load_model(exact_uri)


def mlflow_forecaster(model_uri: str, engine: Engine) -> ModelForecaster:
    """The payment-time model from MLflow (``models:/payment-time@champion``): predicts each open
    invoice's days late (its ``days_late`` output) from the point-in-time features of the
    invoice's creditor as of the day after the digest's."""
    import mlflow
    import pandas as pd

    from features.build import build_features
    from features.loading import load_frames
    from features.specs import payment_time_feature_names

    exact, label = registry_version(model_uri)
    model = _load_pyfunc(mlflow.get_tracking_uri(), exact)

    def predict(session: Session, invoices: Sequence[OpenInvoice], as_of: date) -> list[float]:
        first = session.get(Invoice, invoices[0].invoice_id)
        creditor = session.get(Creditor, first.creditor_id) if first is not None else None
        frames = load_frames(engine, creditor.name if creditor is not None else None)
        at = pd.Timestamp(as_of + timedelta(days=1), tz="UTC")
        requests = pd.DataFrame(
            {
                "debtor_id": [i.debtor_id for i in invoices],
                "invoice_id": [i.invoice_id for i in invoices],
                "as_of": [at] * len(invoices),
            }
        )
        feats = build_features(frames, requests)[payment_time_feature_names()]
        predicted = model.predict(feats)
        days = predicted["days_late"] if isinstance(predicted, pd.DataFrame) else predicted
        return [max(0.0, float(v)) for v in days]

    return ModelForecaster(predict, by=label)
