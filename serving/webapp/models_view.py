"""The Models page's facts: the policy model's registered versions (the champion the API follows
and the challengers), each with the promotion gate's verdict (the version's ``gate`` tag), the
model the API serves right now, and how many decisions of this creditor are logged (the input
of an off-policy estimate on its own data). Read from the MLflow registry the API uses; a
registry that cannot be read is shown as such, never as an error page."""

import logging
import time
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from ledger.tables import Recommendation
from serving.api.model_loader import tracking_uri
from serving.api.settings import ApiSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Version:
    version: str
    aliases: tuple[str, ...]
    gate: str
    created_ms: int
    run_id: str


@dataclass(frozen=True)
class ModelsView:
    name: str
    alias: str
    versions: list[Version]
    registry_error: str | None
    logged_decisions: int
    explored_decisions: int


def registry_versions(settings: ApiSettings) -> list[Version]:
    from mlflow import MlflowClient

    uri = tracking_uri(settings)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    name = settings.policy_model_name
    model = client.get_registered_model(name)
    aliases: dict[str, list[str]] = {}
    for alias, version in (model.aliases or {}).items():
        aliases.setdefault(str(version), []).append(alias)
    found = [
        Version(
            version=str(v.version),
            aliases=tuple(sorted(aliases.get(str(v.version), []))),
            gate=(v.tags or {}).get("gate", ""),
            created_ms=int(v.creation_timestamp or 0),
            run_id=str(v.run_id or ""),
        )
        for v in client.search_model_versions(f"name='{name}'")
    ]
    return sorted(found, key=lambda v: -int(v.version))


_CACHE: dict[tuple[str, str], tuple[float, list[Version]]] = {}
CACHE_S = 60.0  # the registry is read at most once a minute per process (a read takes seconds)


def cached_versions(settings: ApiSettings) -> list[Version]:
    key = (tracking_uri(settings), settings.policy_model_name)
    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    versions = registry_versions(settings)
    _CACHE[key] = (time.monotonic(), versions)
    return versions


def models_view(session: Session, creditor_id: int, settings: ApiSettings) -> ModelsView:
    try:
        versions, problem = cached_versions(settings), None
    except Exception as err:  # an empty or unreachable registry is a fact to show, not a crash
        log.info("model registry not readable: %s", err)
        versions, problem = [], type(err).__name__
    mine = select(func.count()).where(Recommendation.creditor_id == creditor_id)
    logged = session.exec(mine).one()
    # a propensity below 1: the logged policy could have chosen otherwise (what OPE needs)
    explored = session.exec(mine.where(col(Recommendation.propensity) < 1)).one()
    return ModelsView(
        name=settings.policy_model_name,
        alias=settings.policy_model_alias,
        versions=versions,
        registry_error=problem,
        logged_decisions=int(logged),
        explored_decisions=int(explored or 0),
    )
