"""``POST /v1/recommendations`` (next action per debtor) and ``GET /v1/recommendations/{id}``."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from sqlmodel import select

from ledger.tables import Recommendation
from serving.api.deps import CreditorDep, SessionDep
from serving.api.errors import ApiError
from serving.api.schemas import (
    BRIEF_LEAVES_OUT,
    RecommendationOut,
    RecommendationRequest,
    RecommendationsBrief,
    RecommendationsOut,
)

router = APIRouter(prefix="/v1", tags=["recommendations"])
# OpenAPI links: what a client (and a stateful fuzzer) may call with an answer's id
_FIRST_ID = {"recommendation_id": "$response.body#/recommendations/0/id"}
LINKS = {
    "GetRecommendation": {"operationId": "get_recommendation", "parameters": _FIRST_ID,
                          "description": "The stored answer, as it was given."},
    "ExplainDecision": {"operationId": "decision_report", "parameters": _FIRST_ID,
                        "description": "The decision explained (HTML; add .pdf to the path)."},
}  # fmt: skip
# the brief answer is the full one with fields left out: one model, one serialiser
_BRIEF = {"recommendations": {"__all__": set(BRIEF_LEAVES_OUT)}}


# ``async`` with blocking work inside, on purpose: scoring is CPU-bound and holds the GIL, so the
# thread pool added a hop and nothing else. And a worker busy scoring no longer accepts, so with
# ``--workers N`` the next connection goes to a free worker; from the pool, a busy worker's loop
# accepted calls and queued them while another worker idled (bench_cycle: 61% / 39% of samples).
@router.post(
    "/recommendations",
    response_model=RecommendationsOut | RecommendationsBrief,
    responses={200: {"links": LINKS}},
)
async def recommend(
    body: RecommendationRequest, request: Request, session: SessionDep, creditor_id: CreditorDep
) -> Response:
    """The next action for each debtor (up to 1,000), with value, propensity and explanation
    (``detail: brief`` answers without alternatives, explanation and refusals)."""
    state = request.app.state
    if len(body.debtor_ids) > state.settings.max_debtors_per_call:
        raise ApiError(
            422, "body.debtor_ids", f"at most {state.settings.max_debtors_per_call} per call"
        )
    now = body.at or datetime.now(UTC)
    if now.tzinfo is None:
        raise ApiError(422, "body.at", "give a time zone (e.g. 2026-11-24T08:30:00+01:00)")
    recs = state.recommender.recommend(
        session,
        creditor_id=creditor_id,
        debtor_ids=body.debtor_ids,
        now=now,
        model=state.model_store.current,
    )
    for rec in recs:
        state.metrics.recommendations.labels(str(rec.action.channel or "wait")).inc()
    # serialised once, by pydantic, straight to JSON bytes: FastAPI's generic path would validate
    # the models again and walk them in Python before encoding them
    out = RecommendationsOut.model_construct(recommendations=recs)
    leave_out = _BRIEF if body.detail == "brief" else None
    return Response(out.model_dump_json(exclude=leave_out), media_type="application/json")


@router.get(
    "/recommendations/{recommendation_id}",
    response_model=RecommendationOut,
    operation_id="get_recommendation",
)
def get_recommendation(
    recommendation_id: str, session: SessionDep, creditor_id: CreditorDep
) -> RecommendationOut:
    row = session.exec(
        select(Recommendation).where(
            Recommendation.id == recommendation_id, Recommendation.creditor_id == creditor_id
        )
    ).first()
    if row is None:  # another creditor's id answers exactly like a missing one
        raise ApiError(404, "path.recommendation_id", "no such recommendation")
    return RecommendationOut.model_validate(row.body)
