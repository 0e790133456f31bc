"""The simulated debtors behind the 60-day demo: a seeded world whose logged pre-history is the
ledger, and the translation between the world and the ledger each day.

* :func:`build_ledger` runs the world's logging policy for the warm-up days and writes that
  history with the simulator's own ledger writer. The world's whole invoice schedule is written up
  front (future invoices carry future issue and due dates; features see only the past), so only
  payments, outcomes and invoice statuses need syncing afterwards.
* :class:`WorldLink` maps ledger ids to world indices, turns the contacts the scheduler actually
  sent on a day into the world's action array (channel, tone, hour → ``action_index``), and writes
  back what the world did: invoice statuses (disputed, reopened, written off, handed over),
  ``dispute_resolved``/``paused``/``resumed`` dossier events, outcomes over the API, payments via
  ``ledger.payments.record_payment`` with the world's allocations.

Honest gaps: the world knows three send hours (9, 13, 18), so a contact is given the nearest one;
a contact the world's own rules do not allow (its minimum gap, its hand-over at 90 days past due)
reaches no simulated debtor and is counted as ``world_ignored``; confirmations and thank-yous are
sent but not modelled by the world. This module is demo plumbing: it must never be imported by
``serving`` or the packages below it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.payments import record_payment
from ledger.tables import Contact, Creditor, Debtor, Invoice
from simulator.actions import WAIT, action_index
from simulator.book import IN_COLLECTION, PAID, STATUS_NAMES, WRITTEN_OFF
from simulator.config import HOURS, SimConfig
from simulator.events import DayEvents
from simulator.history import collect_history, logging_policy
from simulator.population import stream
from simulator.to_ledger import write_history
from simulator.views import DecisionBatch
from simulator.world import World

AMS = ZoneInfo("Europe/Amsterdam")
RESPONSES = ("promise_confirmation", "payment_thanks")
I64 = NDArray[np.int64]


def build_ledger(
    engine: Engine, seed: int, n_debtors: int, warmup: int, days: int, end: date
) -> World:
    """A world of ``warmup + days`` days ending on ``end``, its first ``warmup`` days run under
    the simulator's logging policy and written to the (empty, migrated) ledger."""
    world = World(seed, SimConfig(n_debtors=n_debtors, days=warmup + days, end=end))
    policy, rng = logging_policy(world.cfg.epsilon), stream(seed, 2)
    n, logged = world.pop.n_debtors, []
    for day in range(warmup):
        batch = world.observe(day)
        actions, prop = np.full(n, WAIT, dtype=np.int64), np.ones(n)
        if len(batch):
            dec = policy.decide_batch(batch, rng)
            actions[batch.debtor], prop[batch.debtor] = dec.action, dec.propensity
        logged.append(world.step(day, actions, prop))
    write_history(engine, collect_history(world, policy.name, logged))
    return world


def nearest_hour(local_hour: int) -> int:
    return min(HOURS, key=lambda h: (abs(h - local_hour), h))


@dataclass
class DayFeedback:
    actions: int = 0
    world_ignored: dict[str, int] = field(default_factory=dict)
    payments: list[tuple[int, int]] = field(default_factory=list)  # (world debtor, cents)
    outcomes: dict[str, int] = field(default_factory=dict)


class WorldLink:
    def __init__(self, engine: Engine, world: World) -> None:
        self.engine, self.world = engine, world
        with Session(engine) as session:
            debtors = session.exec(select(Debtor.id, Debtor.external_id)).all()
            self.debtor_of = {int(ext.rsplit("-D", 1)[1]): int(i or 0) for i, ext in debtors}
            self.index_of = {v: k for k, v in self.debtor_of.items()}
            base = session.exec(select(sa.func.min(Invoice.id))).one()
            self.invoice_base = int(base or 1)
            names = {c.name: c for c in session.exec(select(Creditor))}
        self.creditor_of = [names[c.name] for c in world.cfg.creditors]
        self.status = world.inv_status.copy()
        self.resume_on: dict[int, list[int]] = {}

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.world.cal.date_of(day), time(hour, minute), tzinfo=AMS)

    def creditor(self, idx: int) -> Creditor:
        return self.creditor_of[int(self.world.pop.creditor[idx])]

    # ---- world → ledger ---------------------------------------------------------------------
    def sync_statuses(self, session: Session) -> int:
        """Copy the world's invoice statuses that changed (payments excepted: they come as
        payments) into the ledger."""
        now = self.world.inv_status
        changed = np.flatnonzero((now != self.status) & (now != PAID))
        for j in changed.tolist():
            values: dict[str, Any] = {"status": STATUS_NAMES[int(now[j])].value}
            if now[j] == WRITTEN_OFF:
                values["open_amount_cents"] = 0
            session.execute(
                sa.update(Invoice).where(col(Invoice.id) == self.invoice_base + j).values(**values)
            )
        self.status = now.copy()
        return int(changed.size)

    def start_of_day(self, day: int) -> None:
        ev = self.world.pending
        with Session(self.engine) as session:
            for idx in ev.resolved_debtor.tolist():
                self._event(session, idx, "dispute_resolved", self.at(day, 6))
            for idx in self.resume_on.pop(day, []):
                self._event(session, idx, "resumed", self.at(day, 6, 5))
            self.sync_statuses(session)
            session.commit()

    def _event(self, session: Session, idx: int, kind: str, at: datetime, **payload: Any) -> None:
        dossier.record(
            session,
            creditor_id=self.creditor(idx).id or 0,
            debtor_id=self.debtor_of[idx],
            kind=kind,
            actor="simulator",
            occurred_at=at,
            payload=payload,
        )

    # ---- ledger → world ---------------------------------------------------------------------
    def actions_for(
        self, day: int, batch: DecisionBatch, fb: DayFeedback
    ) -> tuple[I64, dict[int, Contact]]:
        """The world's action per debtor from the dunning contacts sent on ``day``."""
        start = datetime.combine(self.world.cal.date_of(day), time(0), tzinfo=AMS)
        with Session(self.engine) as session:
            sent = session.exec(
                select(Contact)
                .where(
                    col(Contact.status).in_(["sent", "delivered"]),
                    col(Contact.sent_at) >= start,
                    col(Contact.sent_at) < start + timedelta(days=1),
                )
                .order_by(col(Contact.sent_at), col(Contact.id))
            ).all()
        n = self.world.pop.n_debtors
        actions = np.full(n, WAIT, dtype=np.int64)
        row = np.full(n, -1, dtype=np.int64)
        row[batch.debtor] = np.arange(len(batch))
        by_debtor: dict[int, Contact] = {}
        for c in sent:
            if (c.template or "").startswith(RESPONSES) or c.debtor_id not in self.index_of:
                continue
            idx = self.index_of[c.debtor_id]
            assert c.sent_at is not None
            hour = nearest_hour(c.sent_at.astimezone(AMS).hour)
            options = [hour, *(h for h in HOURS if h != hour)]
            chosen = next(
                (
                    a
                    for h in options
                    if row[idx] >= 0
                    and batch.allowed[row[idx], a := action_index(c.channel, c.tone, h)]
                ),
                None,
            )
            if chosen is None or actions[idx] != WAIT:
                fb.world_ignored[c.channel] = fb.world_ignored.get(c.channel, 0) + 1
                continue
            actions[idx], by_debtor[idx] = chosen, c
        fb.actions = len(by_debtor)
        return actions, by_debtor

    def payments(
        self, session: Session, day: int, ev: DayEvents, fb: DayFeedback
    ) -> list[tuple[int, int | None]]:
        """Record the world's payments with its allocations; returns (ledger debtor, payment)."""
        out = []
        for k, (idx, amount) in enumerate(
            zip(ev.pay_debtor.tolist(), ev.pay_amount.tolist(), strict=True)
        ):
            inv = ev.alloc_invoice[ev.alloc_payment == k] + self.invoice_base
            cred = self.creditor(idx)
            paid = record_payment(
                session,
                creditor_id=cred.id or 0,
                debtor_id=self.debtor_of[idx],
                amount_cents=int(amount),
                paid_on=self.world.cal.date_of(day),
                external_ref=f"LIVE{self.world.seed}-{day}-{k}",
                source="bank",
                invoice_ids=[int(i) for i in inv.tolist()] or None,
                occurred_at=self.at(day, 20),
            )
            fb.payments.append((idx, int(amount)))
            out.append((self.debtor_of[idx], paid.payment.id))
        return out

    def pause_after_complaints(self, session: Session, day: int, ev: DayEvents) -> None:
        pause_days = self.world.params.complaint_pause_days
        for idx in ev.contact_debtor[ev.complained].tolist():
            until = day + pause_days
            self._event(session, idx, "paused", self.at(day, 19), reason="complaint")
            self.resume_on.setdefault(until + 1, []).append(idx)

    def handed_over(self) -> int:
        return int((self.world.inv_status == IN_COLLECTION).sum())
