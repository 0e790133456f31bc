"""The Overview page's figures: the weekly digest's (:mod:`serving.reports.digest_data`) as of
the app's day, with "needs attention" (ranked by urgency, then amount, in
:mod:`serving.reports.attention`) linked to the dossier. This module only reads the ledger.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Debtor
from serving.reports.attention import AttentionItem
from serving.reports.digest_data import DigestData
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
        )
        for i in items
    ]


def overview_data(
    session: Session, creditor_name: str, as_of: date, engine: Engine | None
) -> DigestData:
    """The digest's figures with the reports' settings (forecaster, flow effect)."""
    settings = get_reports_settings()
    return weekly_digest(
        session, creditor_name=creditor_name, as_of=as_of, settings=settings, engine=engine
    )
