"""What the client sees: the weekly digest and decision explanations (HTML, PDF).

Public API: :func:`build_digest` (the figures), :func:`render_weekly` / :func:`render_decision`
(HTML), :func:`to_pdf`, :func:`load_decision`, the forecasters, signed links and
:func:`send_digest_email`. The HTTP routes live in ``serving.api.routes.reports``; the CLI in
``dunflow report``. See ``serving/reports/README.md``.
"""

from serving.reports.decision import DecisionNotFoundError, DecisionView, load_decision
from serving.reports.digest_data import DigestData, build_digest
from serving.reports.flow_effect import FlowEffect, load_flow_effect
from serving.reports.forecast import (
    BaselineForecaster,
    CashForecaster,
    ModelForecaster,
    WeekCash,
    mlflow_forecaster,
)
from serving.reports.links import LinkError, sign, signed_url, verify
from serving.reports.mail import send_digest_email
from serving.reports.render import render_decision, render_weekly, to_pdf

__all__ = [
    "BaselineForecaster",
    "CashForecaster",
    "DecisionNotFoundError",
    "DecisionView",
    "DigestData",
    "FlowEffect",
    "LinkError",
    "ModelForecaster",
    "WeekCash",
    "build_digest",
    "load_decision",
    "load_flow_effect",
    "mlflow_forecaster",
    "render_decision",
    "render_weekly",
    "send_digest_email",
    "sign",
    "signed_url",
    "to_pdf",
    "verify",
]
