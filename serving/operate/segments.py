"""Segments without SQL: create and change them (audited), assign a debtor by hand, or apply the
assignment rules to every debtor of a creditor.

Validation is :class:`policy.segments.SegmentConfig`'s; a change is a ``segment_created`` or
``segment_changed`` event in the creditor's audit (:mod:`serving.operate.creditors`), a debtor
moved is a ``segment_assigned`` event in its own dossier. This module must never write a segment
that the model has not validated, nor touch another creditor's debtors.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import InvoiceStatus
from ledger.tables import Debtor, Invoice, Segment
from policy.segments import DebtorFacts, SegmentConfig, ruled, segment_for
from serving.operate.creditors import record_change

_OPEN = (InvoiceStatus.OPEN.value, InvoiceStatus.IN_COLLECTION.value)


class SegmentExistsError(ValueError):
    """The creditor has a segment of that name already (``name``)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a segment named {name!r} exists already")
        self.name = name


def config_of(row: Segment) -> SegmentConfig:
    """The stored segment as its model (as stored, should an old value fail the checks)."""
    values = {name: getattr(row, name) for name in SegmentConfig.model_fields}
    try:
        return SegmentConfig.model_validate(values)
    except ValueError:
        return SegmentConfig.model_construct(**values)


def _write(
    session: Session,
    row: Segment,
    config: SegmentConfig,
    *,
    actor: str,
    kind: str,
    at: datetime | None = None,
) -> dict[str, tuple[Any, Any]]:
    new = config.model_dump(mode="json")
    old = {k: getattr(row, k) for k in new}
    changes = {k: (old[k], new[k]) for k in new if old[k] != new[k]}
    if kind == "segment_created":
        changes = {k: (None, v) for k, v in new.items()}
    for key, value in new.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    record_change(
        session,
        creditor_id=row.creditor_id,
        actor=actor,
        changes=changes,
        kind=kind,
        extra={"segment_id": row.id, "segment": row.name},
        at=at,
    )
    return changes


def by_name(session: Session, creditor_id: int, name: str) -> Segment | None:
    return session.exec(
        select(Segment).where(Segment.creditor_id == creditor_id, Segment.name == name)
    ).first()


def create(session: Session, creditor_id: int, config: SegmentConfig, *, actor: str) -> Segment:
    if by_name(session, creditor_id, config.name) is not None:
        raise SegmentExistsError(config.name)
    row = Segment(creditor_id=creditor_id, name=config.name)
    _write(session, row, config, actor=actor, kind="segment_created")
    return row


def patch(
    session: Session,
    row: Segment,
    values: dict[str, Any],
    *,
    actor: str,
    at: datetime | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Validate ``values`` over the stored segment and write them (``ValidationError`` names
    each bad field; nothing is written then), audited at ``at`` (default now)."""
    current = {name: getattr(row, name) for name in SegmentConfig.model_fields}
    config = SegmentConfig.model_validate({**current, **values})
    if config.name != row.name and by_name(session, row.creditor_id, config.name) is not None:
        raise SegmentExistsError(config.name)
    return _write(session, row, config, actor=actor, kind="segment_changed", at=at)


def assign_one(session: Session, debtor: Debtor, segment: Segment | None, *, actor: str) -> bool:
    """Put one debtor in ``segment`` (None: in none); True when it moved."""
    target = None if segment is None else segment.id
    if debtor.segment_id == target:
        return False
    dossier.record(
        session,
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id,
        kind="segment_assigned",
        actor=actor[:40],
        payload={"old": debtor.segment_id, "new": target, "by": "hand"},
    )
    debtor.segment_id = target
    session.add(debtor)
    return True


@dataclass(frozen=True)
class Assigned:
    debtors: int  # read
    moved: int  # put in another segment by a rule
    per_segment: dict[str, int]  # debtors per segment after the run (rule-matched only)


def apply_rules(session: Session, creditor_id: int, *, actor: str) -> Assigned:
    """Assign every debtor the first segment (by priority) whose rule it matches; debtors no rule
    matches keep their segment. Each move is a ``segment_assigned`` dossier event."""
    segments = session.exec(select(Segment).where(Segment.creditor_id == creditor_id)).all()
    names = {s.id: s.name for s in segments}
    tried = ruled([(s.id or 0, s.priority, s.rules) for s in segments])
    if not tried:
        return Assigned(0, 0, {})
    open_cents = (
        sa.select(col(Invoice.debtor_id), sa.func.sum(col(Invoice.open_amount_cents)))
        .where(col(Invoice.creditor_id) == creditor_id, col(Invoice.status).in_(_OPEN))
        .group_by(col(Invoice.debtor_id))
    )
    owed = {int(d): int(c or 0) for d, c in session.execute(open_cents).all()}
    debtors = session.exec(select(Debtor).where(Debtor.creditor_id == creditor_id)).all()
    moved: list[dossier.NewEvent] = []
    counts: dict[str, int] = {}
    for debtor in debtors:
        facts = DebtorFacts(
            id=debtor.id or 0,
            external_id=debtor.external_id,
            kind=debtor.kind,
            country=debtor.country or "",
            open_cents=owed.get(debtor.id or 0, 0),
            tag=debtor.tag,
        )
        target = segment_for(facts, tried)
        if target is None:
            continue
        counts[names[target]] = counts.get(names[target], 0) + 1
        if debtor.segment_id != target:
            moved.append(
                {
                    "creditor_id": creditor_id,
                    "debtor_id": debtor.id,
                    "kind": "segment_assigned",
                    "actor": actor[:40],
                    "payload": {"old": debtor.segment_id, "new": target, "by": "rule"},
                }
            )
            debtor.segment_id = target
            session.add(debtor)
    dossier.record_many(session, moved)
    return Assigned(len(debtors), len(moved), counts)
