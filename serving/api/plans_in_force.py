"""The plans in force, read from the decision log: the I/O half of serving a plan champion.

Every answer of a plan champion is stored (``Recommendation.body["plan"]``) with the plan the
debtor follows after it, so the latest answer of the same model version names the plan in force,
when it was chosen and with what probability. Outcomes since that choice (a complaint, a dispute,
a new promise) make a checkpoint, as does a promise whose grace ran out since it was chosen (kept
or broken: the oldest due date then moved, or the plan is looked at again). The checkpoint rule
itself is :func:`policy.plan_clock.at_checkpoint`; the decision is
:func:`policy.decision_path.decide_for`; nothing here decides.
"""

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import col

from ledger.enums import OutcomeKind
from ledger.tables import Outcome, Recommendation
from policy.decision_path import Situation, situations
from policy.flow_state import DebtorState
from policy.plan_clock import PlanInForce, at_checkpoint

# outcomes that call for a second look at the plan
LOOK_AGAIN = (OutcomeKind.COMPLAINT.value, OutcomeKind.DISPUTE.value, OutcomeKind.PROMISE.value)


def _latest_statement() -> sa.Select[tuple[int, dict[str, Any] | None]]:
    newest = (
        sa.select(col(Recommendation.debtor_id), sa.func.max(col(Recommendation.created_at)))
        .where(col(Recommendation.debtor_id).in_(sa.bindparam("ids", expanding=True)))
        .where(col(Recommendation.model_version) == sa.bindparam("version"))
        .group_by(col(Recommendation.debtor_id))
        .subquery()
    )
    return (
        sa.select(col(Recommendation.debtor_id), col(Recommendation.body))
        .join(
            newest,
            sa.and_(
                col(Recommendation.debtor_id) == newest.c[0],
                col(Recommendation.created_at) == newest.c[1],
            ),
        )
        .where(col(Recommendation.model_version) == sa.bindparam("version"))
    )


# Built once, with its values bound at execution: building the statement per request cost more
# than running it (SQLAlchemy then reuses its compiled form)
_LATEST = _latest_statement()
# each debtor's latest outcome of a kind that calls for a second look, since a day
_LOOK_AGAIN_SINCE = (
    sa.select(col(Outcome.debtor_id), sa.func.max(col(Outcome.occurred_at)))
    .where(col(Outcome.debtor_id).in_(sa.bindparam("ids", expanding=True)))
    .where(col(Outcome.kind).in_(LOOK_AGAIN))
    .where(col(Outcome.occurred_at) >= sa.bindparam("since"))
    .group_by(col(Outcome.debtor_id))
)


def _latest(conn: Connection, debtor_ids: Sequence[int], version: str) -> dict[int, PlanInForce]:
    rows = conn.execute(_LATEST, {"ids": list(debtor_ids), "version": version}).all()
    out = {}
    for debtor_id, body in rows:
        plan = (body or {}).get("plan")
        if plan:
            out[int(debtor_id)] = PlanInForce(
                int(plan["arm"]),
                date.fromisoformat(plan["chosen_on"]),
                int(plan["dpd"]),
                float(plan["propensity"]),
            )
    return out


def plans_in_force(
    conn: Connection,
    states: dict[int, DebtorState],
    version: str,
    now: datetime,
    tz: ZoneInfo,
) -> dict[int, PlanInForce | None]:
    """Per debtor, the plan in force now, or None when it is at a checkpoint."""
    today = now.astimezone(tz).date()
    known = _latest(conn, list(states), version)
    since = {}
    if known:
        earliest = min(p.chosen_on for p in known.values())
        rows = conn.execute(
            _LOOK_AGAIN_SINCE,
            {"ids": list(known), "since": datetime.combine(earliest, time(), tzinfo=tz)},
        ).all()
        since = {int(d): at.astimezone(tz).date() for d, at in rows}
    out: dict[int, PlanInForce | None] = {}
    for debtor_id, state in states.items():
        plan = known.get(debtor_id)
        outcome = plan is not None and since.get(debtor_id, date.min) >= plan.chosen_on
        lapsed = state.promise_blocks_until()
        if plan is not None and lapsed is not None and plan.chosen_on <= lapsed < today:
            outcome = True
        dpd = state.days_overdue(today)
        out[debtor_id] = None if at_checkpoint(plan, dpd, today, outcome) else plan
    return out


def plan_situations(
    conn: Connection,
    states: dict[int, DebtorState],
    version: str,
    now: datetime,
    tz: ZoneInfo,
) -> list[Situation]:
    """Each debtor's situation for a plan champion: the rules' allowed actions, the amount at
    stake and the plan in force (None: at a checkpoint). The scoring API and the batch engine
    both ask :func:`policy.decision_path.decide_for` with these."""
    return situations(states, now, plans_in_force(conn, states, version, now, tz))
