"""One decision, explained: a stored ``Recommendation`` and the debtor's dossier, ready to render.

The recommendation's ``body`` is the API's ``RecommendationOut`` (``serving.api.schemas``); this
module parses it, turns times into the creditor's time zone, labels the SHAP contributions in
plain language (the reason's own sentence when there is one, else the feature's description from
``features.specs``) and reads the timeline from ``ledger.dossier``. Tenancy: a recommendation of
another creditor is "not found", exactly like a missing one. Never writes.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from features.specs import REGISTRY
from ledger.dossier import timeline
from ledger.tables import Creditor, Debtor, Recommendation
from policy.explain import reason_text
from serving.api.schemas import Reason, RecommendationOut
from serving.reports.i18n import Lang

_DETAIL_MAX = 160


class DecisionNotFoundError(LookupError):
    def __init__(self, recommendation_id: str) -> None:
        super().__init__(f"recommendation {recommendation_id!r} not found")


@dataclass(frozen=True)
class TimelineRow:
    at: datetime  # creditor's time zone
    kind: str
    actor: str
    detail: str


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
        return reason.text


def feature_label(name: str, reason: Reason | None, lang: Lang) -> str:
    """The feature in words: its description with the value, in the page's language, else the
    reason's sentence, else the description without the value, else the bare name."""
    spec = REGISTRY.get(name)
    if spec is not None and reason is not None and reason.value is not None:
        return spec.describe(reason.value, lang.code)
    if reason is not None and reason.text:
        return reason.text
    if spec is not None:
        template = spec.description_nl if lang.code == "nl" else spec.description_en
        return template.replace("{value}", "…")
    return name.replace("_", " ")


def _detail(payload: dict[str, object]) -> str:
    text = ", ".join(f"{k}: {v}" for k, v in payload.items())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


def load_decision(session: Session, *, creditor_id: int, recommendation_id: str) -> DecisionView:
    row = session.get(Recommendation, recommendation_id)
    if row is None or row.creditor_id != creditor_id:
        raise DecisionNotFoundError(recommendation_id)
    creditor = session.get(Creditor, row.creditor_id)
    debtor = session.get(Debtor, row.debtor_id)
    if creditor is None or debtor is None:  # pragma: no cover - foreign keys guarantee both
        raise DecisionNotFoundError(recommendation_id)
    rec = RecommendationOut.model_validate(row.body)
    zone = ZoneInfo(creditor.timezone)
    events = timeline(session, creditor_id=creditor_id, debtor_id=row.debtor_id)
    return DecisionView(
        creditor_name=creditor.name,
        logo_path=creditor.logo_path,
        timezone=creditor.timezone,
        debtor_name=debtor.name,
        rec=rec,
        created_at=rec.created_at.astimezone(zone),
        send_at=rec.action.send_at.astimezone(zone) if rec.action.send_at else None,
        timeline=[
            TimelineRow(e.occurred_at.astimezone(zone), e.kind, e.actor, _detail(e.payload))
            for e in events
        ],
    )
