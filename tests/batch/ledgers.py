"""Small simulated ledgers for the batch tests: the simulator's last day is the eve of DAY."""

from datetime import date, time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from batch.limits import REFUSAL_KIND, creditor_limits
from ledger.tables import Contact, ContactInvoice, Creditor, DossierEvent, Recommendation
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger

DAY = date(2026, 11, 24)  # SimConfig's default end is 2026-11-23
CYCLE = time(8, 30)
SEED = 7


def simulate(engine: Engine, folder: Path, debtors: int, days: int = 120) -> None:
    simulate_to_ledger(engine, 3, SimConfig(n_debtors=debtors, days=days), folder / "truth.pq")


def decided(engine: Engine, version: str) -> pd.DataFrame:
    """The day's recommendations (of ``version``; the simulated history has its own) and the
    contacts planned from them, comparable across ledgers."""
    with Session(engine) as session:
        recs = session.exec(
            select(Recommendation)
            .where(Recommendation.model_version == version)
            .order_by(col(Recommendation.id))
        ).all()
        contacts = session.exec(
            select(Contact).where(col(Contact.recommendation_id).is_not(None))
        ).all()
        links = session.execute(sa.select(ContactInvoice.contact_id, ContactInvoice.invoice_id))
        invoices: dict[int, list[int]] = {}
        for contact_id, invoice_id in links:
            invoices.setdefault(contact_id, []).append(invoice_id)
    planned = {
        c.recommendation_id: (
            c.idempotency_key, c.channel, c.tone, c.stage, c.template, c.scheduled_at,
            c.cost_cents, c.propensity, c.model_version, c.status,
            sorted(invoices.get(c.id or 0, [])),
        )
        for c in contacts
    }  # fmt: skip
    return pd.DataFrame(
        [
            {
                "id": r.id, "debtor_id": r.debtor_id, "created_at": r.created_at,
                "model_version": r.model_version, "channel": r.channel, "tone": r.tone,
                "stage": r.stage, "send_at": r.send_at, "value": r.expected_value_cents,
                "p_pay": r.p_pay, "propensity": r.propensity, "body": r.body,
                "contact": planned.get(r.id),
            }
            for r in recs
        ]
    )  # fmt: skip


def set_limits(engine: Engine) -> None:
    """Limits that refuse some of DAY's contacts: the first creditor's complaint limit below its
    rate (no calls, no firm tone), the last one's budget 15 EUR above what its last 30 days
    spent (some letters fit, then only what is cheap enough)."""
    with Session(engine) as session:
        creditors = session.exec(select(Creditor).order_by(col(Creditor.id))).all()
        first, last = creditors[0], creditors[-1]
        first.complaint_limit_per_1000 = 0.5
        last.contact_budget_cents = 0
        session.add_all([first, last])
        session.commit()
        assert last.id is not None
        with engine.connect() as conn:
            spent = creditor_limits(conn, DAY, CYCLE)[last.id].usage.cost_cents
        last.contact_budget_cents = spent + 1500
        session.add(last)
        session.commit()


def refusals(engine: Engine) -> pd.DataFrame:
    """The dossier's refusals of the creditors' limits, comparable across ledgers."""
    kind = DossierEvent.kind == REFUSAL_KIND
    with Session(engine) as session:
        events = session.exec(select(DossierEvent).where(kind)).all()
    rows = [
        {"debtor_id": e.debtor_id, "actor": e.actor, "at": e.occurred_at, "payload": e.payload}
        for e in events
    ]
    columns = ["debtor_id", "actor", "at", "payload"]
    return pd.DataFrame(rows, columns=columns).sort_values("debtor_id", ignore_index=True)
