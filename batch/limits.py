"""The creditors' own limits (:mod:`policy.creditor_limits`) in the batch, as the daily cycle
applies them.

The cycle (:mod:`serving.scheduler.cycle`) counts a creditor's last 30 days once
(:func:`~serving.scheduler.cycle.creditor_usage`: contact costs sent and planned, complaints,
debtors), then goes through its answers in candidate order (by debtor id), refusing the contacts
the limits refuse and adding each contact it plans to the costs. The batch does the same for the
whole creditor, whatever the buckets:

1. :func:`creditor_limits` counts the usage inside the export's snapshot (the cycle's own
   queries, on the database: one aggregate per creditor with limits);
2. once every bucket has decided, :func:`refusals` goes through each creditor's planned contacts
   by debtor id (the budget is spent in that order, so it cannot be split over buckets);
3. :func:`with_refusals` drops the refused contacts from the decisions and keeps the reasons
   (``refusal``, JSON): the recommendation stays, as the API stores it, and the write-back records
   the refusal in the dossier (``recommendation_refused``) in the recommendation's transaction,
   so a rerun records nothing twice.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from ledger.dossier import NewEvent
from ledger.enums import Channel, Stage, Tone
from ledger.tables import Creditor
from policy.actions import Action
from policy.creditor_limits import CreditorUsage, limit_refusals
from serving.scheduler.cycle import creditor_usage

# what :func:`refusals` reads of each planned contact
PLANNED_COLUMNS = ("id", "creditor_id", "debtor_id", "channel", "tone", "stage", "send_at",
                   "contact_template", "contact_cost_cents")  # fmt: skip
REFUSAL_KIND = "recommendation_refused"


@dataclass(frozen=True)
class CreditorLimits:
    budget_cents: int | None
    complaint_limit_per_1000: float | None
    usage: CreditorUsage  # the last 30 days before the cycle's moment


def creditor_limits(conn: Connection, day: date, cycle_time: time) -> dict[int, CreditorLimits]:
    """Each creditor with a limit: its limits and usage at its cycle's moment on ``day`` (read
    on ``conn``, inside the export's snapshot)."""
    out: dict[int, CreditorLimits] = {}
    session = Session(bind=conn)
    for creditor in session.exec(select(Creditor).order_by(col(Creditor.id))).all():
        if creditor.contact_budget_cents is None and creditor.complaint_limit_per_1000 is None:
            continue
        assert creditor.id is not None
        now = datetime.combine(day, cycle_time, tzinfo=ZoneInfo(creditor.timezone))
        out[creditor.id] = CreditorLimits(
            creditor.contact_budget_cents,
            creditor.complaint_limit_per_1000,
            creditor_usage(session, creditor.id, now),
        )
    return out


def refusals(planned: pd.DataFrame, limits: Mapping[int, CreditorLimits]) -> pd.DataFrame:
    """The planned contacts (:data:`PLANNED_COLUMNS`, any creditors) the limits refuse: ``id``
    and ``refusal`` (the reasons, JSON). Each creditor's budget is spent by debtor id, as the
    cycle spends it in candidate order."""
    out: list[tuple[str, str]] = []
    planned = planned[planned["creditor_id"].isin(list(limits))]
    for creditor_id, rows in planned.sort_values(["creditor_id", "debtor_id"]).groupby(
        "creditor_id", sort=True
    ):
        lim = limits[int(str(creditor_id))]
        usage = replace(lim.usage)  # spent below: the caller's stays as counted
        for r in rows.to_dict("records"):
            action = Action(
                channel=Channel(str(r["channel"])),
                tone=Tone(str(r["tone"])),
                send_at=datetime.fromisoformat(str(r["send_at"])),
                stage=Stage(str(r["stage"])),
                template=str(r["contact_template"]),
                cost_cents=int(r["contact_cost_cents"]),
            )
            reasons = limit_refusals(
                action,
                usage,
                budget_cents=lim.budget_cents,
                complaint_limit_per_1000=lim.complaint_limit_per_1000,
            )
            if reasons:
                out.append((str(r["id"]), json.dumps(reasons)))
            else:
                usage.cost_cents += action.cost_cents
    return pd.DataFrame(out, columns=["id", "refusal"], dtype="object")


def with_refusals(rows: pd.DataFrame, refused: Mapping[str, str]) -> pd.DataFrame:
    """The decisions with the refused contacts dropped and their reasons in ``refusal``."""
    out = rows.copy()
    out["refusal"] = [refused.get(str(i)) for i in out["id"].tolist()]
    hit = out["refusal"].notna()
    for c in ("contact_key", "contact_template", "contact_invoice_ids", "contact_cost_cents"):
        out[c] = out[c].astype("object").where(~hit, None)
    return out


def refusal_events(rows: pd.DataFrame, new_ids: set[str]) -> list[NewEvent]:
    """The dossier events of the refusals among ``rows`` whose
    recommendation is new (a rerun records nothing)."""
    hit = rows[rows["refusal"].notna() & rows["id"].astype("str").isin(new_ids)]
    return [
        NewEvent(
            creditor_id=int(r["creditor_id"]),
            debtor_id=int(r["debtor_id"]),
            kind=REFUSAL_KIND,
            actor="batch",
            occurred_at=datetime.fromisoformat(str(r["created_at"])),
            payload={
                "recommendation_id": str(r["id"]),
                "channel": str(r["channel"]),
                "stage": str(r["stage"]),
                "send_at": str(r["send_at"]),
                "reasons": json.loads(str(r["refusal"])),
            },
        )
        for r in hit.to_dict("records")
    ]
