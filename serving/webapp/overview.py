"""The Overview page's figures: the weekly digest's (:mod:`serving.reports.digest_data`) as of
the app's day, with "needs attention" ranked by urgency, then amount, and linked to the dossier.

Urgency, most urgent first: money that can go to collection now, a broken promise, a 14-day letter
whose costs fall due this week, a complaint, a dispute waiting for the client. This module only
reads the ledger.
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

URGENCY = ("ready_for_collection", "broken_promise", "letter_expiring", "complaint", "disputed")


@dataclass(frozen=True)
class RankedItem:
    kind: str
    debtor_id: int | None
    debtor_name: str
    invoice_number: str | None
    open_amount_cents: int
    on: date | None


def ranked(session: Session, creditor_id: int, items: list[AttentionItem]) -> list[RankedItem]:
    """Most urgent first, the larger amount first within a reason."""
    rows = session.exec(select(Debtor.name, Debtor.id).where(Debtor.creditor_id == creditor_id))
    ids: dict[str, int | None] = dict(rows.all())
    order = sorted(items, key=lambda i: (URGENCY.index(i.kind), -i.open_amount_cents))
    return [
        RankedItem(
            i.kind,
            ids.get(i.debtor_name),
            i.debtor_name,
            i.invoice_number,
            i.open_amount_cents,
            i.on,
        )
        for i in order
    ]


def overview_data(
    session: Session, creditor_name: str, as_of: date, engine: Engine | None
) -> DigestData:
    """The digest's figures with the reports' settings (forecaster, flow effect)."""
    settings = get_reports_settings()
    return weekly_digest(
        session, creditor_name=creditor_name, as_of=as_of, settings=settings, engine=engine
    )
