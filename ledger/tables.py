"""The ledger's tables (SQLModel).

Rules that hold for every table: money is integer cents (``*_cents``), timestamps are timezone-aware
and stored as UTC (``UTCDateTime``), calendar dates are plain dates, and every row carries the
creditor it belongs to so that tenancy is a WHERE clause, never a join. Vocabularies come from
:mod:`ledger.enums` and are stored as strings.

To add a table: declare it here, add a migration with
``alembic revision --autogenerate`` (see README "where to add what"), and a factory in
``tests/factories.py``.
"""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from ledger.channels import default_costs_json
from ledger.types import UTCDateTime, utcnow

_S = sa.String


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: default.copy(), sa_type=sa.JSON, nullable=False)


def _creditor_fk() -> Any:
    return Field(foreign_key="creditor.id", index=True, nullable=False)


class Creditor(SQLModel, table=True):
    """A client of dunflow: one tenant."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=_S(200), unique=True, index=True)
    iban: str | None = Field(default=None, sa_type=_S(34))
    logo_path: str | None = Field(default=None, sa_type=_S(500))
    language: str = Field(default="nl", sa_type=_S(5))
    country: str = Field(default="NL", sa_type=_S(2))
    timezone: str = Field(default="Europe/Amsterdam", sa_type=_S(64))
    vat_deductible: bool = True
    collection_outsourced: bool = False
    allowed_weekdays: list[int] = _json([0, 1, 2, 3, 4, 5])  # Monday = 0; law forbids Sunday
    contact_start_minute: int = 7 * 60  # minutes after local midnight
    contact_end_minute: int = 20 * 60
    channel_costs_cents: dict[str, int] = _json(default_costs_json())
    min_gap_days: int = 3
    # channel -> {"sender": registered sender name, ...options}; empty: the local sinks
    sender_config: dict[str, Any] = _json({})
    # what a creditor sets through `dunflow creditor set` / the API; validated and documented in
    # policy.creditor_config.CreditorConfig (one declaration per setting, same names)
    bic: str | None = Field(default=None, sa_type=_S(11))
    payment_reference_scheme: str = Field(default="invoice_number", sa_type=_S(16))
    disabled_channels: list[str] = _json([])
    bundle_days: int = 0
    thank_you_mail: bool = False
    promise_confirmation_mail: bool = True
    complaint_pause_days: int = 14
    complaint_limit_per_1000: float | None = None
    contact_budget_cents: int | None = Field(default=None, sa_type=sa.BigInteger)
    max_contacts_per_debtor: int | None = None  # in any 30 days; None: no limit but the gap
    handoff_stage: str | None = Field(default=None, sa_type=_S(24))  # None: never by itself
    digest_recipients: list[str] = _json([])
    digest_weekday: int = 0  # Monday = 0
    digest_minute: int = 8 * 60  # minutes after local midnight
    created_at: datetime = _created()


class Segment(SQLModel, table=True):
    """A debtor group with its own flow and tone; excluded ones (inter-company) never get dunned."""

    __table_args__ = (sa.UniqueConstraint("creditor_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    name: str = Field(sa_type=_S(100))
    excluded: bool = False
    ladder: list[dict[str, Any]] | None = Field(default=None, sa_type=sa.JSON)
    default_tone: str = Field(default="neutral", sa_type=_S(16))
    # policy.segments.SegmentConfig validates these (channels allowed, tone bounds, rules)
    allowed_channels: list[str] | None = Field(default=None, sa_type=sa.JSON)  # None: all
    min_tone: str | None = Field(default=None, sa_type=_S(16))
    max_tone: str | None = Field(default=None, sa_type=_S(16))
    priority: int = 100  # assignment rules are tried in priority order, lowest first
    rules: list[dict[str, Any]] | None = Field(default=None, sa_type=sa.JSON)  # None: no rules
    call_after_days: int | None = None  # a call case this many days past due; None: no calls
    plan: str | None = Field(
        default=None, sa_type=_S(32)
    )  # the plan learner's anchor; None: learnt


class Debtor(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("creditor_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    external_id: str = Field(sa_type=_S(64))
    kind: str = Field(default="b2b", sa_type=_S(3))
    name: str = Field(sa_type=_S(200))
    email: str | None = Field(default=None, sa_type=_S(254))
    phone: str | None = Field(default=None, sa_type=_S(32))
    address_line: str | None = Field(default=None, sa_type=_S(200))
    postal_code: str | None = Field(default=None, sa_type=_S(16))
    city: str | None = Field(default=None, sa_type=_S(100))
    country: str | None = Field(default=None, sa_type=_S(2))
    language: str = Field(default="nl", sa_type=_S(5))
    opted_out_channels: list[str] = _json([])
    segment_id: int | None = Field(default=None, foreign_key="segment.id", index=True)
    tag: str | None = Field(default=None, sa_type=_S(100))  # the import's segment label
    created_at: datetime = _created()


class Invoice(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("creditor_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    number: str = Field(sa_type=_S(64))
    issue_date: date
    due_date: date = Field(index=True)
    amount_cents: int = Field(sa_type=sa.BigInteger)
    open_amount_cents: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(default="EUR", sa_type=_S(3))
    status: str = Field(default="open", sa_type=_S(16), index=True)
    payment_reference: str | None = Field(default=None, sa_type=_S(64), index=True)
    paid_on: date | None = None  # date the open amount reached zero
    call_after_days: int | None = None  # overrides the segment's; None: the segment's
    created_at: datetime = _created()


class Payment(SQLModel, table=True):
    """Money received. ``external_ref`` (bank entry or export line) makes re-imports no-ops."""

    __table_args__ = (sa.UniqueConstraint("creditor_id", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    amount_cents: int = Field(sa_type=sa.BigInteger)
    paid_on: date = Field(index=True)
    reference: str | None = Field(default=None, sa_type=_S(140))
    external_ref: str = Field(sa_type=_S(140))
    source: str = Field(default="csv", sa_type=_S(16))
    created_at: datetime = _created()


class PaymentAllocation(SQLModel, table=True):
    """Which invoice(s) a payment settled, and for how much."""

    payment_id: int = Field(foreign_key="payment.id", primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", primary_key=True, index=True)
    creditor_id: int = _creditor_fk()
    amount_cents: int = Field(sa_type=sa.BigInteger)


class Contact(SQLModel, table=True):
    """One action taken towards a debtor (bundling all the invoices it covers)."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    channel: str = Field(sa_type=_S(16))
    tone: str = Field(sa_type=_S(16))
    stage: str = Field(default="reminder", sa_type=_S(24))
    scheduled_at: datetime | None = _ts(index=True)
    sent_at: datetime | None = _ts()
    status: str = Field(default="planned", sa_type=_S(16), index=True)
    cost_cents: int = 0
    template: str | None = Field(default=None, sa_type=_S(100))
    model_version: str | None = Field(default=None, sa_type=_S(100))
    propensity: float | None = None
    idempotency_key: str = Field(sa_type=_S(200), unique=True)
    recommendation_id: str | None = Field(default=None, sa_type=_S(36))
    # the outbox: a planned contact is claimed with a lease, sent, and its receipt kept
    attempts: int = 0
    next_attempt_at: datetime | None = _ts()
    claimed_by: str | None = Field(default=None, sa_type=_S(64))
    claimed_until: datetime | None = _ts()
    # a fresh random token per claim: every renewal and finish is a compare-and-set on it, so a
    # dispatcher whose lease ran out (even one of the same name) can never overwrite the next one
    claim_token: str | None = Field(default=None, sa_type=_S(32))
    last_error: str | None = Field(default=None, sa_type=_S(500))
    receipt: str | None = Field(default=None, sa_type=_S(200))
    created_at: datetime = _created()


class ContactInvoice(SQLModel, table=True):
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", primary_key=True, index=True)
    creditor_id: int = _creditor_fk()


class Outcome(SQLModel, table=True):
    """What came of a contact: paid, a promise (with its date), a dispute, a complaint…"""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    kind: str = Field(sa_type=_S(16))
    promised_date: date | None = None
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    note: str | None = Field(default=None, sa_type=_S(500))


class DossierEvent(SQLModel, table=True):
    """Append-only log of everything that happened to a debtor or an invoice."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    kind: str = Field(sa_type=_S(40), index=True)
    actor: str = Field(default="system", sa_type=_S(40))
    payload: dict[str, Any] = _json({})
    recorded_at: datetime = _created()


class CallCase(SQLModel, table=True):
    """A debtor to phone about overdue invoices: five attempts, then one report to the creditor.

    ``key`` is the row key on the creditor's call list (what a caller quotes to report an
    outcome); ``result`` is the outcome that closed it (``unreachable`` after five failed tries).
    """

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    key: str = Field(sa_type=_S(200), unique=True, index=True)
    reason: str = Field(default="past_due", sa_type=_S(24))  # past_due | broken_promise
    invoice_numbers: list[str] = _json([])  # the open overdue invoices when it was opened
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="open", sa_type=_S(16), index=True)  # open | closed
    result: str | None = Field(default=None, sa_type=_S(16))
    closed_at: datetime | None = _ts()
    report_due_on: date | None = None  # four working days after closing
    reported_at: datetime | None = _ts()


class CallAttempt(SQLModel, table=True):
    """One of a case's five planned calls, and what came of it once reported."""

    __table_args__ = (sa.UniqueConstraint("case_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    case_id: int = Field(foreign_key="callcase.id", index=True)
    number: int  # 1..5
    planned_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    outcome: str | None = Field(default=None, sa_type=_S(16))  # None: not yet reported
    recorded_at: datetime | None = _ts()
    promised_date: date | None = None
    note: str | None = Field(default=None, sa_type=_S(500))


class ImportRun(SQLModel, table=True):
    """One import of a file, for the audit trail (what was read, inserted, left unchanged)."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    entity: str = Field(sa_type=_S(16))
    format: str = Field(sa_type=_S(16))
    filename: str = Field(sa_type=_S(500))
    sha256: str = Field(sa_type=_S(64))
    rows_read: int
    inserted: int
    unchanged: int
    updated: int = 0
    created_at: datetime = _created()


class ApiKey(SQLModel, table=True):
    """An API key: only its SHA-256 is stored; ``prefix`` finds the row without the secret."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int | None = Field(default=None, foreign_key="creditor.id", index=True)
    is_admin: bool = False
    prefix: str = Field(sa_type=_S(16), unique=True, index=True)
    key_hash: str = Field(sa_type=_S(64))
    label: str | None = Field(default=None, sa_type=_S(100))
    created_at: datetime = _created()
    revoked_at: datetime | None = _ts()


class Recommendation(SQLModel, table=True):
    """One answer of the scoring API for one debtor, kept so reports can explain it later."""

    id: str = Field(sa_type=_S(36), primary_key=True)
    creditor_id: int = _creditor_fk()
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    model_version: str = Field(sa_type=_S(100))
    channel: str | None = Field(default=None, sa_type=_S(16))  # None: wait
    tone: str | None = Field(default=None, sa_type=_S(16))
    stage: str | None = Field(default=None, sa_type=_S(24))
    send_at: datetime | None = _ts()
    expected_value_cents: int = 0
    p_pay: float | None = None
    propensity: float
    degraded: bool = False
    body: dict[str, Any] = _json({})  # the full answer: alternatives, explanation, rule refusals


def plan_answer() -> sa.ColumnElement[bool]:
    """SQL: the ``Recommendation`` is a plan's answer (``body["plan"]`` set: a plan champion's or
    the plan-logging policy's, checkpoint or not), not a per-day decision.

    The two decision logs share the table; each learner reads only its own (the plan learner the
    checkpoints, the per-day trainer the rest). JSON null and a missing key both read as SQL NULL
    here, on SQLite and on PostgreSQL alike."""
    is_plan: sa.ColumnElement[bool] = col(Recommendation.body)["plan"].as_string().is_not(None)
    return is_plan


class User(SQLModel, table=True):
    """A person of one creditor who uses the web app (``/app``); only an argon2 hash is stored.

    ``role`` is one of :class:`ledger.enums.UserRole` (finance, call_agent, admin); ``language``
    the one the app speaks to them (nl, en)."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = _creditor_fk()
    email: str = Field(sa_type=_S(254), unique=True, index=True)
    name: str = Field(sa_type=_S(200))
    role: str = Field(sa_type=_S(16))
    language: str = Field(default="nl", sa_type=_S(5))
    password_hash: str = Field(sa_type=_S(200))
    password_changed_at: datetime = _created()
    created_at: datetime = _created()


class LoginAttempt(SQLModel, table=True):
    """Every log-in to the web app, good or bad (the audit, and what the rate limit counts).

    An unknown e-mail address has no user and so no creditor."""

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int | None = Field(default=None, foreign_key="creditor.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    email: str = Field(sa_type=_S(254), index=True)
    ip: str = Field(sa_type=_S(64))
    outcome: str = Field(sa_type=_S(16))  # ok, bad_password, unknown_user, limited
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class BatchRun(SQLModel, table=True):
    """One completed day of the batch engine (``dunflow batch decide``), written after every
    partition of its decisions committed: its presence means the day is complete."""

    __tablename__ = "batch_run"

    id: str = Field(sa_type=_S(140), primary_key=True)  # "<day>/<model version>"
    day: date
    model_version: str = Field(sa_type=_S(100))
    engine: str = Field(sa_type=_S(16))  # "spark" or "inprocess"
    buckets: int
    decided: int  # recommendations of the day
    planned: int  # outbox contacts of the day
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
