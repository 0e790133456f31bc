"""The Overview page's figures: the weekly digest's (:mod:`serving.reports.digest_data`) as of
the app's day, with "needs attention" (ranked by urgency, then amount, in
:mod:`serving.reports.attention`) linked to the dossier, and next week's reminders forecast by
the policy the API serves now (:func:`served_policy`: a per-day model or a plan champion; the
ladder when none is loaded), as every digest does. This module only reads the ledger.
"""

from dataclasses import dataclass
from datetime import date

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Debtor
from serving.reports.attention import AttentionItem
from serving.reports.digest_data import DigestData
from serving.reports.reminder_forecast import ForecastPolicy
from serving.reports.served_policy import forecast_policy
from serving.reports.service import weekly_digest
from serving.reports.settings import get_reports_settings


@dataclass(frozen=True)
class RankedItem:
    kind: str
    debtor_id: int | None
    debtor_name: str
    invoice_number: str | None
    open_amount_cents: int
    on: date | None
    on_is: str


def ranked(session: Session, creditor_id: int, items: list[AttentionItem]) -> list[RankedItem]:
    """The digest's ranked items with the dossier each belongs to."""
    rows = session.exec(select(Debtor.name, Debtor.id).where(Debtor.creditor_id == creditor_id))
    ids: dict[str, int | None] = dict(rows.all())
    return [
        RankedItem(
            i.kind,
            ids.get(i.debtor_name),
            i.debtor_name,
            i.invoice_number,
            i.open_amount_cents,
            i.on,
            i.on_is,
        )
        for i in items
    ]


def served_policy(request: Request, creditor_id: int, creditor_name: str) -> ForecastPolicy | None:
    """The policy the API serves now, with its feature snapshots; None: the ladder."""
    snapshots = request.app.state.recommender.snapshots
    return forecast_policy(request.app.state.model_store.current, snapshots, creditor_id,
                           creditor_name)  # fmt: skip


def overview_data(
    session: Session,
    creditor_name: str,
    as_of: date,
    engine: Engine | None,
    policy: ForecastPolicy | None = None,
) -> DigestData:
    """The digest's figures with the reports' settings (forecaster, flow effect)."""
    settings = get_reports_settings()
    return weekly_digest(
        session,
        creditor_name=creditor_name,
        as_of=as_of,
        settings=settings,
        engine=engine,
        policy=policy,
    )
