"""What came of a call, recorded by the call list's own row key (no internal id needed).

:class:`CallOutcome` is the body of ``POST /v1/calls/outcomes``, one row of the CSV that
``POST /v1/calls/outcomes.csv`` and ``dunflow call import`` read back, and what ``dunflow call
outcome`` builds. :func:`record_call_outcome` marks the attempt (the one given, else the next one
not yet reported): ``no_answer`` only marks it, and the fifth closes the case as ``unreachable``;
any other outcome closes the case and is recorded like an API outcome
(:func:`serving.operate.outcome_record.record_outcome`: a promise starts the confirmation, a
complaint pauses and tells the creditor, …). A closed case is reported to the creditor once,
within four working days (:mod:`serving.scheduler.call_reports`). Reporting the same outcome
twice changes nothing, so a CSV can be imported again. A case whose attempts all passed a day
ago without a report is closed ``not_called`` (:func:`expire_cases`) and reported all the same.
The row key may also be a phone contact's idempotency key from the policy's call list
(``call_lists/``): its case is opened on the first report. This module must never act on
another creditor's case.
"""

import csv
import io
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import Channel, ContactStatus, Country
from ledger.importers.errors import ErrorLog, file_error
from ledger.tables import CallAttempt, CallCase, Contact, Creditor, Debtor
from ledger.types import MAX_AMOUNT_CENTS, Day, Instant
from policy.public_holidays import add_working_days
from serving.operate.call_cases import CLOSED, open_case
from serving.operate.dossier_actions import ActionRefusedError
from serving.operate.outcome_record import check_outcome, record_outcome

REPORT_WITHIN_WORKING_DAYS = 4
NOT_CALLED = "not_called"  # the attempts passed without a reported outcome
EXPIRE_AFTER = timedelta(days=1)
CallResult = Literal[
    "no_answer", "promise", "paid", "wants_copy", "complaint", "dispute", "unreachable"
]


class UnknownRowKeyError(ActionRefusedError):
    """No case and no phone contact of this creditor has the row key."""


class CallOutcome(BaseModel):
    """One reported call."""

    model_config = ConfigDict(extra="forbid")

    row_key: str = Field(min_length=1, max_length=200, description="The call list's row key.")
    outcome: CallResult = Field(description="What came of the call.")
    attempt: int | None = Field(
        default=None, ge=1, le=5, description="Which attempt (default: the next one unreported)."
    )
    promised_date: Day | None = Field(default=None, description="promise: the day promised.")
    amount_cents: int | None = Field(
        default=None, ge=1, le=MAX_AMOUNT_CENTS, description="paid: the amount paid."
    )
    note: str | None = Field(default=None, max_length=500)
    occurred_at: Instant | None = Field(default=None, description="When (default: now).")


def _case(session: Session, creditor: Creditor, key: str, now: datetime) -> CallCase:
    cid = creditor.id or 0
    case = session.exec(
        select(CallCase).where(CallCase.creditor_id == cid, CallCase.key == key)
    ).first()
    if case is not None:
        return case
    contact = session.exec(
        select(Contact).where(
            Contact.creditor_id == cid,
            Contact.idempotency_key == key,
            Contact.channel == Channel.PHONE.value,
            col(Contact.status).in_([ContactStatus.SENT.value, ContactStatus.DELIVERED.value]),
        )
    ).first()
    debtor = session.get(Debtor, contact.debtor_id) if contact is not None else None
    if contact is None or debtor is None:
        raise UnknownRowKeyError("row_key", f"no call list row {key!r}", "unknown_row", row=key)
    return open_case(session, creditor, debtor, [], contact.scheduled_at or now, key=key)


def record_call_outcome(
    session: Session, creditor: Creditor, body: CallOutcome, *, actor: str, now: datetime
) -> dict[str, Any]:
    """Record one reported call (in the caller's session); :class:`ActionRefusedError` names
    the field when it does not fit."""
    at = body.occurred_at or now
    if at.tzinfo is None:
        raise ActionRefusedError("occurred_at", "give a time zone", "needs_time_zone")
    if at > now:
        raise ActionRefusedError("occurred_at", "lies in the future", "in_the_future")
    if body.outcome != "no_answer":
        check_outcome(body.outcome, at, body.promised_date, body.amount_cents)
    case = _case(session, creditor, body.row_key, at)
    attempts = list(
        session.exec(
            select(CallAttempt)
            .where(CallAttempt.case_id == case.id)
            .order_by(col(CallAttempt.number))
        )
    )
    answer: dict[str, Any] = {"row_key": case.key}
    if body.attempt is not None:
        given = [a for a in attempts if a.number == body.attempt]
        if not given:
            raise ActionRefusedError(
                "attempt", f"the case has no attempt {body.attempt}", "no_attempt", n=body.attempt
            )
        attempt = given[0]
    else:
        pending = [a for a in attempts if a.outcome is None]
        last = [a for a in attempts if a.outcome is not None][-1:]
        attempt = pending[0] if pending and case.status != CLOSED else (last or attempts)[0]
    if attempt.outcome is not None:
        if attempt.outcome == body.outcome:
            return {**answer, "attempt": attempt.number, "already_recorded": True}
        raise ActionRefusedError(
            "attempt",
            f"attempt {attempt.number} was already reported as {attempt.outcome}",
            "already_reported",
            n=attempt.number,
            outcome=attempt.outcome,
        )
    if case.status == CLOSED:
        raise ActionRefusedError(
            "row_key", f"the case is closed ({case.result})", "case_closed", result=case.result
        )
    attempt.outcome, attempt.recorded_at = body.outcome, at
    attempt.promised_date, attempt.note = body.promised_date, body.note
    session.add(attempt)
    dossier.record(
        session,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        kind="call_attempt",
        actor=actor,
        occurred_at=at,
        payload={"key": case.key, "attempt": attempt.number, "outcome": body.outcome},
    )
    answer["attempt"] = attempt.number
    result: str | None = body.outcome
    if body.outcome == "no_answer":
        left = [a for a in attempts if a.outcome is None]
        result = None if left else "unreachable"
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None  # a foreign key
    if result is not None:
        answer.update(
            record_outcome(
                session,
                creditor,
                debtor,
                kind=result,
                at=at,
                actor=actor,
                promised_date=body.promised_date,
                amount_cents=body.amount_cents,
                note=body.note,
                channel=Channel.PHONE,
                extra={"call_case": case.key},
            )
        )
        _close(session, creditor, case, result, at)
    answer["case_status"] = case.status
    return answer


def _close(session: Session, creditor: Creditor, case: CallCase, result: str, at: datetime) -> None:
    case.status, case.result, case.closed_at = CLOSED, result, at
    day = at.astimezone(ZoneInfo(creditor.timezone)).date()
    case.report_due_on = add_working_days(
        Country(creditor.country), day, REPORT_WITHIN_WORKING_DAYS
    )
    session.add(case)
    dossier.record(
        session,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        kind="call_case_closed",
        occurred_at=at,
        payload={"key": case.key, "result": result, "report_due_on": str(case.report_due_on)},
    )


def expire_cases(session: Session, creditor: Creditor, now: datetime) -> int:
    """Close every open case whose last attempt is more than a day past without a report
    (``not_called``), so the creditor hears of it too; returns how many."""
    cases = session.exec(
        select(CallCase).where(CallCase.creditor_id == creditor.id, CallCase.status == "open")
    ).all()
    expired = 0
    for case in cases:
        last = session.exec(
            select(CallAttempt.planned_at)
            .where(CallAttempt.case_id == case.id)
            .order_by(col(CallAttempt.planned_at).desc())
        ).first()
        if last is not None and last < now - EXPIRE_AFTER:
            _close(session, creditor, case, NOT_CALLED, now)
            expired += 1
    return expired


CSV_COLUMNS = tuple(CallOutcome.model_fields)


def import_outcomes(
    session: Session, creditor: Creditor, text: str, *, filename: str, actor: str, now: datetime
) -> list[dict[str, Any]]:
    """Record every row of a CSV of outcomes (columns :data:`CSV_COLUMNS`; ``row_key`` and
    ``outcome`` required), all or nothing: :class:`ImportValidationError` lists every row's
    problems (row and column) and nothing is recorded then; the caller rolls back."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("row_key", "outcome") if c not in header]
    if missing:
        raise file_error(filename, missing[0], f"the header lacks {', '.join(missing)}")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise file_error(filename, unknown[0], f"unknown column (use {', '.join(CSV_COLUMNS)})")
    log, bodies = ErrorLog(filename), []
    for n, raw in enumerate(reader, 1):
        values = {k.strip(): v.strip() for k, v in raw.items() if k and v and v.strip()}
        try:
            bodies.append((n, CallOutcome.model_validate(values)))
        except ValidationError as err:
            for e in err.errors():
                log.add(n, ".".join(str(p) for p in e["loc"]) or "row", e["msg"])
    log.raise_if_any()
    answers = []
    for n, body in bodies:
        try:
            answers.append(record_call_outcome(session, creditor, body, actor=actor, now=now))
            session.flush()
        except ActionRefusedError as err:
            log.add(n, err.field, str(err))
    log.raise_if_any()
    return answers
