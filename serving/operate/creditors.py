"""Create a creditor and change its settings, each change audited in the dossier.

A change is recorded as a ``settings_changed`` dossier event of the creditor (no debtor) with the
actor and ``{"changes": {field: {"old": …, "new": …}}}``; :func:`history` reads them back for the
API and the CLI. This module must never write a setting that
:class:`policy.creditor_config.CreditorConfig` has not validated, nor record an empty change.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Country
from ledger.tables import Creditor, DossierEvent
from policy.creditor_config import CreditorConfig, partial_update
from policy.flow_state import LEGAL_ZONE

SETTINGS_CHANGED = "settings_changed"


class CreditorExistsError(ValueError):
    """A creditor of that name exists already."""


@dataclass(frozen=True)
class Change:
    """One audited change: who, when, and old → new per field."""

    at: datetime
    actor: str
    kind: str
    changes: dict[str, dict[str, Any]]


def record_change(
    session: Session,
    *,
    creditor_id: int,
    actor: str,
    changes: dict[str, tuple[Any, Any]],
    kind: str = SETTINGS_CHANGED,
    extra: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append the audit event of one change (nothing when nothing changed), at ``at`` (default
    now: a simulated ledger passes its own clock)."""
    if not changes:
        return
    payload = {"changes": {k: {"old": old, "new": new} for k, (old, new) in changes.items()}}
    dossier.record(
        session,
        creditor_id=creditor_id,
        kind=kind,
        actor=actor[:40],
        payload={**payload, **(extra or {})},
        occurred_at=at,
    )


def create(
    session: Session,
    *,
    name: str,
    country: Country,
    actor: str,
    settings: dict[str, Any] | None = None,
) -> Creditor:
    """A new creditor with the default settings and ``settings`` applied (validated, audited)."""
    name = name.strip()
    if not name:
        raise ValueError("name: give the creditor's name")
    if session.exec(select(Creditor).where(Creditor.name == name)).first() is not None:
        raise CreditorExistsError(f"a creditor named {name!r} exists already")
    row = Creditor(name=name, country=country.value, timezone=LEGAL_ZONE[country])
    config = partial_update(row, settings or {})
    session.add(row)
    session.flush()
    update(session, row, config, actor=actor, kind="creditor_created")
    return row


def update(
    session: Session,
    row: Creditor,
    config: CreditorConfig,
    *,
    actor: str,
    kind: str = SETTINGS_CHANGED,
) -> dict[str, tuple[Any, Any]]:
    """Write ``config`` onto the row and audit what changed; returns ``{field: (old, new)}``."""
    changes = config.changes(row)
    if kind != SETTINGS_CHANGED:  # a creation is recorded even with the defaults unchanged
        changes = changes or {"name": (None, row.name)}
    config.write(row)
    session.add(row)
    record_change(session, creditor_id=row.id or 0, actor=actor, changes=changes, kind=kind)
    return changes


def patch(
    session: Session, row: Creditor, values: dict[str, Any], *, actor: str
) -> dict[str, tuple[Any, Any]]:
    """Validate ``values`` over the row's settings and write them (``pydantic.ValidationError``
    names each bad field; nothing is written then)."""
    return update(session, row, partial_update(row, values), actor=actor)


def history(session: Session, creditor_id: int, *, limit: int = 200) -> list[Change]:
    """The creditor's audited changes, newest first (settings and segments)."""
    rows = session.exec(
        select(DossierEvent)
        .where(
            DossierEvent.creditor_id == creditor_id,
            col(DossierEvent.debtor_id).is_(None),
            col(DossierEvent.kind).in_(AUDITED),
        )
        .order_by(col(DossierEvent.occurred_at).desc(), col(DossierEvent.id).desc())
        .limit(limit)
    ).all()
    return [
        Change(r.occurred_at, r.actor, r.kind, dict(r.payload.get("changes", {}))) for r in rows
    ]


AUDITED = (SETTINGS_CHANGED, "creditor_created", "segment_created", "segment_changed")
