"""Request and response bodies of the scoring API (pydantic).

``RecommendationOut`` is also the JSON kept in ``Recommendation.body``: the reports read it back to
explain a decision, so change it only by adding optional fields.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.enums import Channel, Country, Stage, Tone
from ledger.types import MAX_AMOUNT_CENTS, Day, Instant
from policy.creditor_config import CreditorConfig, CreditorConfigPatch
from policy.segments import SegmentConfig

DebtorId = Annotated[int, Field(ge=1, le=2**63 - 1)]

# debtors per recommendations call; the scheduler's batch size is bounded by it too
MAX_DEBTORS_PER_CALL = 1000


class RecommendationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debtor_ids: list[DebtorId] = Field(min_length=1, max_length=MAX_DEBTORS_PER_CALL)
    at: Instant | None = Field(
        default=None, description="Decision time (aware); default now. For replays and tests."
    )
    detail: Literal["full", "brief"] = Field(
        default="full",
        description="`brief` leaves alternatives, explanation and refusals out of the answer; "
        "they are stored all the same (`GET /v1/recommendations/{id}`). For bulk callers such as "
        "the scheduler, which act on the action alone.",
    )


class ActionOut(BaseModel):
    channel: Channel | None = Field(description="None means: wait, send nothing now.")
    tone: Tone | None
    send_at: datetime | None = Field(description="In the creditor's time zone.")
    stage: Stage | None
    template: str | None
    cost_cents: int = 0
    invoice_numbers: list[str] = []


class ScoredAction(BaseModel):
    action: ActionOut
    expected_value_cents: int
    p_pay: float | None = None
    p_complaint: float | None = None


class Reason(BaseModel):
    feature: str
    text: str = Field(description="One plain-language sentence.")
    value: float | str | None = None
    contribution: float = Field(description="SHAP contribution to P(pay), log-odds.")


class Explanation(BaseModel):
    reasons: list[Reason] = Field(description="Top reasons, strongest first.")
    shap: dict[str, float] = Field(default_factory=dict, description="All raw SHAP values.")
    base_value: float | None = None
    versus_runner_up: str | None = None


class Refusal(BaseModel):
    channel: Channel | None
    tone: Tone | None
    reasons: list[str]


class RecommendationBrief(BaseModel):
    """A recommendation without its alternatives, explanation and refusals."""

    id: str
    debtor_id: int
    debtor_external_id: str
    created_at: datetime
    model_version: str
    degraded: bool = Field(description="True when the fixed ladder answered (no model loaded).")
    action: ActionOut
    expected_value_cents: int
    p_pay: float | None
    p_complaint: float | None = None
    propensity: float


class PlanOut(BaseModel):
    """The dunning plan a plan champion has the debtor follow after this answer."""

    arm: int
    label: str = Field(description="channel/tone/cadence, or wait (until the next checkpoint).")
    checkpoint: bool = Field(description="Chosen now (False: the plan in force continues).")
    chosen_on: date = Field(description="The creditor's day the plan was chosen.")
    dpd: int = Field(description="Days past due of the oldest claim when it was chosen.")
    propensity: float = Field(description="The probability with which the plan was chosen.")
    value_eur: float | None = Field(
        default=None, description="Its expected net value on the creditor's objective."
    )
    runner_up: str | None = None
    available: list[str] | None = Field(
        default=None, description="At a checkpoint: the plans it was chosen among."
    )


class RecommendationOut(RecommendationBrief):
    alternatives: list[ScoredAction] = Field(description="The next best actions, at most 3.")
    explanation: Explanation
    refusals: list[Refusal] = Field(default_factory=list, description="Rules that removed actions.")
    plan: PlanOut | None = Field(default=None, description="A plan champion's plan (else none).")


class RecommendationsOut(BaseModel):
    recommendations: list[RecommendationOut]


class RecommendationsBrief(BaseModel):
    recommendations: list[RecommendationBrief]


BRIEF_LEAVES_OUT = frozenset(RecommendationOut.model_fields) - frozenset(
    RecommendationBrief.model_fields
)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debtor_id: DebtorId
    kind: Literal["paid", "promise", "dispute", "wants_copy", "unreachable", "complaint"]
    contact_id: DebtorId | None = None
    promised_date: Day | None = None
    amount_cents: int | None = Field(default=None, ge=1, le=MAX_AMOUNT_CENTS)
    occurred_at: Instant | None = None
    note: str | None = Field(default=None, max_length=500)
    channel: Channel | None = Field(
        default=None,
        description="unreachable: the channel that failed (default: the contact's channel).",
    )


class CreditorCreate(BaseModel):
    """A new creditor (admin key): its name, country and any settings besides the defaults."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Unique name of the creditor.")
    country: Country = Field(default=Country.NL, description="Whose law applies (NL or BE).")
    settings: CreditorConfigPatch | None = Field(
        default=None, description="Settings other than the defaults."
    )


class CreditorOut(BaseModel):
    id: int
    name: str
    country: Country
    timezone: str = Field(description="The zone of the creditor's day (the law's for its country).")
    settings: CreditorConfig


class SettingsChangeOut(BaseModel):
    """One audited change: who, when, and old → new per field."""

    at: datetime
    actor: str = Field(description="`api:key#<id>` or `cli:<user>`.")
    kind: str = Field(description="creditor_created, settings_changed, segment_created/_changed.")
    changes: dict[str, dict[str, Any]] = Field(description='{field: {"old": …, "new": …}}')


class SettingsChangedOut(BaseModel):
    changes: dict[str, dict[str, Any]] = Field(description='{field: {"old": …, "new": …}}')
    creditor: CreditorOut


class SegmentOut(SegmentConfig):
    """A segment: its id and settings."""

    id: int


class SegmentChangedOut(BaseModel):
    changes: dict[str, dict[str, Any]] = Field(description='{field: {"old": …, "new": …}}')
    segment: SegmentOut


class DebtorSegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment_id: int | None = Field(ge=1, le=2**63 - 1, description="null: in no segment.")


class AssignedOut(BaseModel):
    debtors: int = Field(description="Debtors read.")
    moved: int = Field(description="Debtors a rule put in another segment.")
    per_segment: dict[str, int] = Field(description="Debtors a rule matched, per segment.")


class DossierEventOut(BaseModel):
    id: int
    at: datetime
    kind: str = Field(description="paused, resumed, outcome_dispute, dispute_resolved, note, …")
    actor: str
    invoice_id: int | None = None
    payload: dict[str, Any]


class DossierOut(BaseModel):
    debtor_id: int
    paused: bool = Field(description="The rules hold the dossier now (a pause in force).")
    disputed: bool
    promise_date: date | None
    segment: str | None
    usable_channels: list[Channel] = Field(description="What the rules may use for the debtor.")
    events: list[DossierEventOut] = Field(description="The dossier, oldest first.")


class CallAfterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(
        ge=0, le=3650, description="Call this many days past due; null: the segment's setting."
    )


class OpenLineOut(BaseModel):
    number: str
    due_date: date
    open_cents: int


class WorkItemOut(BaseModel):
    """One call to make; quote ``row_key`` when reporting its outcome."""

    row_key: str
    attempt: int
    planned_at: datetime
    debtor_id: int
    debtor_external_id: str
    debtor_name: str
    phone_numbers: list[str]
    language: str
    reason: str
    invoices: list[OpenLineOut]
    total_open_cents: int
    script: str
    earlier: list[str]


class CallAttemptOut(BaseModel):
    number: int
    planned_at: datetime
    outcome: str | None
    recorded_at: datetime | None
    promised_date: date | None
    note: str | None


class CallCaseOut(BaseModel):
    key: str
    debtor_id: int
    reason: str
    invoice_numbers: list[str]
    opened_at: datetime
    status: str
    result: str | None
    closed_at: datetime | None
    report_due_on: date | None
    reported_at: datetime | None
    attempts: list[CallAttemptOut]
