"""The two reports end to end — ledger in, HTML or PDF out — shared by the API and the CLI.

Chooses the cash forecaster (the MLflow payment-time model when
``DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI`` is set and loads, else the leak-free baseline) and the
flow effect (``DUNFLOW_REPORTS_FLOW_EFFECT_PATH`` or an explicit path). Never sends or stores.
"""

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Creditor
from serving.reports.decision import load_decision
from serving.reports.digest_data import DigestData, build_digest
from serving.reports.flow_effect import FlowEffect, load_flow_effect
from serving.reports.forecast import BaselineForecaster, CashForecaster, mlflow_forecaster
from serving.reports.i18n import Language, as_language
from serving.reports.reminder_forecast import ForecastPolicy
from serving.reports.render import render_decision, render_weekly, to_pdf
from serving.reports.settings import ReportsSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    html: str
    language: Language

    def pdf(self) -> bytes:
        return to_pdf(self.html)


def choose_forecaster(settings: ReportsSettings, engine: Engine | None) -> CashForecaster:
    """The payment-time model when configured and loadable; the baseline otherwise."""
    if settings.payment_time_model_uri and engine is not None:
        try:
            return mlflow_forecaster(settings.payment_time_model_uri, engine)
        except Exception as err:  # a missing model degrades the forecast, never the digest
            log.warning("payment-time model not loadable, using the baseline: %s", err)
    return BaselineForecaster()


def weekly_digest(
    session: Session,
    *,
    creditor_name: str,
    as_of: date,
    settings: ReportsSettings,
    engine: Engine | None = None,
    flow_effect_path: Path | None = None,
    flow_effect: FlowEffect | None = None,
    policy: ForecastPolicy | None = None,
) -> DigestData:
    effect = flow_effect or load_flow_effect(flow_effect_path or settings.flow_effect_path)
    return build_digest(
        session,
        creditor_name=creditor_name,
        as_of=as_of,
        forecaster=choose_forecaster(settings, engine),
        flow_effect=effect,
        policy=policy,
    )


def render_weekly_page(
    data: DigestData, language: str | None, creditor: Creditor, *, pdf_href: str | None = None
) -> Rendered:
    lang = as_language(language or creditor.language)
    return Rendered(render_weekly(data, lang, pdf_href=pdf_href), lang)


def decision_page(
    session: Session,
    *,
    creditor_id: int,
    recommendation_id: str,
    language: str | None,
    pdf_href: str | None = None,
) -> Rendered:
    view = load_decision(session, creditor_id=creditor_id, recommendation_id=recommendation_id)
    creditor = session.get(Creditor, creditor_id)
    lang = as_language(language or (creditor.language if creditor else None))
    return Rendered(render_decision(view, lang, pdf_href=pdf_href), lang)
