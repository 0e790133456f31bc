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
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import col

from ledger.enums import OutcomeKind
from ledger.tables import Outcome, Recommendation
from ledger.types import UTCDateTime
from policy.decision_path import Situation, situations
from policy.flow_state import DebtorState
from policy.plan_clock import PlanInForce, at_checkpoint

# outcomes that call for a second look at the plan
LOOK_AGAIN = (OutcomeKind.COMPLAINT.value, OutcomeKind.DISPUTE.value, OutcomeKind.PROMISE.value)


def _in_force_statement() -> sa.CompoundSelect[tuple[int, dict[str, Any] | None, datetime | None]]:
    """Each asked debtor's latest answer of a version (its body) and the latest outcome that calls
    for a second look (its time) of the debtors with such an answer, as the rows of one UNION ALL:
    one round trip, the asked ids bound once (the outcomes' part reads them from ``newest``)."""
    newest = (
        sa.select(
            col(Recommendation.debtor_id).label("debtor_id"),
            sa.func.max(col(Recommendation.created_at)).label("created_at"),
        )
        .where(col(Recommendation.debtor_id).in_(sa.bindparam("ids", expanding=True)))
        .where(col(Recommendation.model_version) == sa.bindparam("version"))
        .group_by(col(Recommendation.debtor_id))
        .cte("newest")
    )
    latest = (
        sa.select(
            col(Recommendation.debtor_id),
            col(Recommendation.body),
            # typed NULLs: PostgreSQL reads a bare NULL in a UNION as text
            sa.cast(sa.null(), UTCDateTime()).label("at"),
        )
        .join(
            newest,
            sa.and_(
                col(Recommendation.debtor_id) == newest.c.debtor_id,
                col(Recommendation.created_at) == newest.c.created_at,
            ),
        )
        .where(col(Recommendation.model_version) == sa.bindparam("version"))
    )
    # no lower bound on the time: the latest such outcome is on or after the plan's day exactly
    # when one since that day is, which is all ``plans_in_force`` asks
    look_again = (
        sa.select(
            col(Outcome.debtor_id),
            sa.cast(sa.null(), sa.JSON()),
            sa.func.max(col(Outcome.occurred_at)),
        )
        .where(col(Outcome.debtor_id).in_(sa.select(newest.c.debtor_id)))
        .where(col(Outcome.kind).in_(LOOK_AGAIN))
        .group_by(col(Outcome.debtor_id))
    )
    return sa.union_all(latest, look_again)


# Built once, with its values bound at execution: building the statement per request cost more
# than running it (SQLAlchemy then reuses its compiled form)
_IN_FORCE = _in_force_statement()


def _read(
    conn: Connection, debtor_ids: Sequence[int], version: str
) -> tuple[dict[int, PlanInForce], dict[int, datetime]]:
    """Per debtor, the plan its latest answer of ``version`` named and the time of its latest
    outcome that calls for a second look (only for the debtors with such an answer)."""
    rows = conn.execute(_IN_FORCE, {"ids": list(debtor_ids), "version": version}).all()
    known, since = {}, {}
    for debtor_id, body, at in rows:
        if at is not None:
            since[int(debtor_id)] = at
            continue
        plan = (body or {}).get("plan")
        if plan:
            known[int(debtor_id)] = PlanInForce(
                int(plan["arm"]),
                date.fromisoformat(plan["chosen_on"]),
                int(plan["dpd"]),
                float(plan["propensity"]),
            )
    return known, since


def plans_in_force(
    conn: Connection,
    states: dict[int, DebtorState],
    version: str,
    now: datetime,
    tz: ZoneInfo,
) -> dict[int, PlanInForce | None]:
    """Per debtor, the plan in force now, or None when it is at a checkpoint."""
    today = now.astimezone(tz).date()
    known, outcomes = _read(conn, list(states), version)
    since = {d: at.astimezone(tz).date() for d, at in outcomes.items()}
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
