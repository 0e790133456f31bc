"""One decision, explained: a stored ``Recommendation`` and the debtor's dossier, ready to render.

The recommendation's ``body`` is the API's ``RecommendationOut`` (``serving.api.schemas``); this
module parses it, turns times into the creditor's time zone, labels the SHAP contributions in
plain language in the page's language (the feature's description with its value when the decision
kept it, else the feature's name, :mod:`serving.reports.feature_labels`) and reads the timeline
from ``ledger.dossier``. Each scored action is shown as what a client can read
(:class:`Outlook`): euros expected to be collected within the model's horizon (the debtor's open
amount on the decision's day × the chance of payment), its cost and its complaint risk, beside
waiting; never the bare expected value (which nets cost and complaint harm in the policy's units).
Tenancy: a recommendation of another creditor is "not found", exactly like a missing one. Never
writes.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, select

from features.specs import REGISTRY
from ledger.dossier import timeline
from ledger.tables import Creditor, Debtor, Invoice, Recommendation
from policy.explain import reason_text
from serving.api.schemas import ActionOut, Reason, RecommendationOut, ScoredAction
from serving.reports.feature_labels import label
from serving.reports.i18n import Lang
from serving.reports.reconstruct import open_by_invoice_at
from serving.reports.rule_words import plain


class DecisionNotFoundError(LookupError):
    def __init__(self, recommendation_id: str) -> None:
        super().__init__(f"recommendation {recommendation_id!r} not found")


@dataclass(frozen=True)
class TimelineRow:
    at: datetime  # creditor's time zone
    kind: str
    actor: str
    payload: dict[str, Any]  # worded by serving.reports.event_words when rendered


@dataclass(frozen=True)
class Outlook:
    """One scored action as a client reads it."""

    action: ActionOut
    p_pay: float | None
    collect_cents: int | None  # open amount × P(pay); None without a model's estimate
    cost_cents: int
    p_complaint: float | None

    @property
    def is_wait(self) -> bool:
        return self.action.channel is None


@dataclass(frozen=True)
class DecisionView:
    creditor_name: str
    logo_path: str | None
    timezone: str
    debtor_name: str
    rec: RecommendationOut
    created_at: datetime  # creditor's time zone
    send_at: datetime | None  # creditor's time zone
    timeline: list[TimelineRow]
    open_cents: int  # the debtor's open amount at the end of the decision's day

    def outlook(self, scored: ScoredAction | RecommendationOut) -> Outlook:
        p = scored.p_pay
        return Outlook(
            scored.action,
            p,
            None if p is None else round(self.open_cents * p),
            scored.action.cost_cents,
            scored.p_complaint,
        )

    @property
    def chosen(self) -> Outlook:
        return self.outlook(self.rec)

    @property
    def others(self) -> list[Outlook]:
        return [self.outlook(a) for a in self.rec.alternatives]

    @property
    def waiting(self) -> Outlook | None:
        """Waiting, when it was the choice or among the alternatives scored."""
        return next((o for o in [self.chosen, *self.others] if o.is_wait), None)

    @property
    def has_shap(self) -> bool:
        return not self.rec.degraded and bool(self.rec.explanation.shap)

    def local(self, moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(ZoneInfo(self.timezone))

    def contributions(self, lang: Lang) -> list[tuple[str, float]]:
        """(plain-language label, SHAP value) for every feature in the explanation."""
        reasons = {r.feature: r for r in self.rec.explanation.reasons}
        return [
            (feature_label(name, reasons.get(name), lang), value)
            for name, value in self.rec.explanation.shap.items()
        ]

    def reason_sentence(self, reason: Reason, lang: Lang) -> str:
        """The reason in the page's language (its stored sentence is in the debtor's)."""
        if reason.feature in REGISTRY:
            return reason_text(reason.feature, reason.value, reason.contribution, lang.code)
        return plain(reason.text, lang.code)  # the ladder's note, in plain words


def feature_label(name: str, reason: Reason | None, lang: Lang) -> str:
    """The feature in words, in the page's language: its description with the value when the
    decision kept the value, else its name (never the stored sentence, which is in the debtor's
    language, nor a placeholder)."""
    spec = REGISTRY.get(name)
    if spec is not None and reason is not None and reason.value is not None:
        return spec.describe(reason.value, lang.code)
    return label(name, lang.code)


def load_decision(session: Session, *, creditor_id: int, recommendation_id: str) -> DecisionView:
    row = session.get(Recommendation, recommendation_id)
    if row is None or row.creditor_id != creditor_id:
        raise DecisionNotFoundError(recommendation_id)
    creditor = session.get(Creditor, row.creditor_id)
    debtor = session.get(Debtor, row.debtor_id)
    if creditor is None or debtor is None:  # pragma: no cover - foreign keys guarantee both
        raise DecisionNotFoundError(recommendation_id)
    try:
        rec = RecommendationOut.model_validate(row.body)
    except ValidationError:  # a log row that is no API answer (the simulator's): nothing to show
        raise DecisionNotFoundError(recommendation_id) from None
    zone = ZoneInfo(creditor.timezone)
    events = timeline(session, creditor_id=creditor_id, debtor_id=row.debtor_id)
    day = rec.created_at.astimezone(zone).date()
    mine = set(session.exec(select(Invoice.id).where(Invoice.debtor_id == row.debtor_id)).all())
    owed = open_by_invoice_at(session, creditor_id=creditor_id, day=day)
    return DecisionView(
        creditor_name=creditor.name,
        logo_path=creditor.logo_path,
        timezone=creditor.timezone,
        debtor_name=debtor.name,
        rec=rec,
        created_at=rec.created_at.astimezone(zone),
        send_at=rec.action.send_at.astimezone(zone) if rec.action.send_at else None,
        timeline=[
            TimelineRow(e.occurred_at.astimezone(zone), e.kind, e.actor, dict(e.payload))
            for e in events
        ],
        open_cents=sum(cents for inv, cents in owed.items() if inv in mine),
    )
