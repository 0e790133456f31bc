"""Back into the ledger exactly once: one transaction per partition of decisions, then the run.

Recommendations go in with ``ON CONFLICT (id) DO NOTHING`` (their ids derive from creditor, day,
debtor and model version) and contacts through the outbox (:func:`serving.scheduler.outbox.
enqueue`, ``ON CONFLICT (idempotency_key) DO NOTHING``) and the refusals of the creditors' limits
into the dossier for the recommendations that are new (:mod:`batch.limits`), all in one
transaction: a rerun, or a
Spark task retried after its first attempt committed, inserts nothing twice. Each partition uses
one connection (Spark writes with a bounded number of partitions). The ``batch_run`` row is
written last, by the driver, once every partition has committed: its presence means the day is
complete. Never use Spark's own JDBC writer here: it commits per task and retries tasks.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from batch.limits import refusal_events
from batch.report import RunReport
from ledger import dossier
from ledger.inserts import insert_rows
from ledger.tables import BatchRun, Recommendation
from ledger.types import utcnow
from serving.scheduler import outbox


@dataclass(frozen=True)
class Written:
    recommendations: int
    contacts: int


def _opt(value: Any) -> Any:
    """None for a missing value (None, or NaN where a frame filled the gap)."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def _when(value: Any) -> datetime | None:
    v = _opt(value)
    return None if v is None else datetime.fromisoformat(str(v))


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]


def planned_contacts(rows: pd.DataFrame) -> list[outbox.PlannedContact]:
    out = []
    for r in _records(rows[rows["contact_key"].notna()]):
        scheduled = _when(r["send_at"])
        assert scheduled is not None
        out.append(
            outbox.PlannedContact(
                creditor_id=int(r["creditor_id"]),
                debtor_id=int(r["debtor_id"]),
                channel=str(r["channel"]),
                tone=str(r["tone"]),
                stage=str(r["stage"]),
                template=str(r["contact_template"]),
                scheduled_at=scheduled,
                idempotency_key=str(r["contact_key"]),
                invoice_ids=tuple(json.loads(str(r["contact_invoice_ids"]))),
                cost_cents=int(_opt(r["contact_cost_cents"]) or 0),
                model_version=str(r["model_version"]),
                propensity=float(r["propensity"]),
                recommendation_id=str(r["id"]),
            )
        )
    return out


def recommendation_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in _records(rows):
        p_pay = _opt(r["p_pay"])
        out.append(
            {
                "id": str(r["id"]),
                "creditor_id": int(r["creditor_id"]),
                "debtor_id": int(r["debtor_id"]),
                "created_at": _when(r["created_at"]),
                "model_version": str(r["model_version"]),
                "channel": _opt(r["channel"]),
                "tone": _opt(r["tone"]),
                "stage": _opt(r["stage"]),
                "send_at": _when(r["send_at"]),
                "expected_value_cents": int(r["expected_value_cents"]),
                "p_pay": None if p_pay is None else float(p_pay),
                "propensity": float(r["propensity"]),
                "degraded": bool(r["degraded"]),
                "body": json.loads(str(r["body"])),
            }
        )
    return out


def write_partition(engine: Engine, rows: pd.DataFrame) -> Written:
    """One partition's recommendations and contacts in one transaction; how many were new."""
    if rows.empty:
        return Written(0, 0)
    with Session(engine) as session:
        conn = session.connection()
        table = Recommendation.__table__  # type: ignore[attr-defined]
        new = insert_rows(
            conn,
            table,
            recommendation_rows(rows),
            skip_conflicts_on=table.c.id,
            returning=[table.c.id],
        )
        contacts = outbox.enqueue(session, planned_contacts(rows))
        dossier.record_many(session, refusal_events(rows, {str(r[0]) for r in new}))
        session.commit()
    return Written(len(new), contacts)


def finish_run(
    engine: Engine,
    report: RunReport,
    *,
    day: date,
    model_version: str,
    decided: int,
    planned: int,
    started_at: datetime,
) -> None:
    """The run's row, last, once every partition has committed; ``report`` gets the counts and
    whether the row is new (False when this day and version were already complete)."""
    report.decided, report.planned = decided, planned
    row = {
        "id": f"{day.isoformat()}/{model_version}",
        "day": day,
        "model_version": model_version,
        "engine": report.engine,
        "buckets": report.buckets,
        "decided": decided,
        "planned": planned,
        "started_at": started_at,
        "finished_at": utcnow(),
    }
    with Session(engine) as session:
        table = BatchRun.__table__  # type: ignore[attr-defined]
        new = insert_rows(
            session.connection(), table, [row], skip_conflicts_on=table.c.id, returning=[table.c.id]
        )
        session.commit()
    report.run_written = bool(new)


def completed(engine: Engine, day: date, model_version: str) -> bool:
    with Session(engine) as session:
        found = session.execute(
            sa.select(col(BatchRun.id)).where(col(BatchRun.id) == f"{day}/{model_version}")
        ).first()
    return found is not None
