"""The Models page's facts: the policy model's registered versions (the champion the API follows
and the challengers), each with the promotion gate's verdict (the version's ``gate`` tag) and its
checks with their figures (the run's ``gate_promote.json``, else ``gate.json``, as the training
side writes them), the model the API serves right now, how many decisions of this creditor are
logged and the flow's effect measured on them (:mod:`serving.webapp.own_effect`). Read from the
MLflow registry the API uses; a registry that cannot be read is shown as such, never as an error
page."""

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from ledger.tables import Recommendation
from serving.api.model_loader import tracking_uri
from serving.api.settings import ApiSettings
from serving.webapp.own_effect import OwnEffect, own_effect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateCheck:
    name: str
    passed: bool
    rule: str
    figures: dict[str, Any]

    @property
    def shown(self) -> str:
        """The figures as ``name value`` pairs (numbers rounded for people)."""

        def fmt(v: object) -> str:
            if isinstance(v, float):
                return f"{v:.3g}"
            if isinstance(v, (list, tuple)):  # per world: a few numbers, else how many
                if len(v) <= 4 and all(isinstance(x, (int, float)) for x in v):
                    return "[" + ", ".join(fmt(x) for x in v) + "]"
                return f"({len(v)})"
            if isinstance(v, dict):
                return "{" + ", ".join(f"{k} {fmt(x)}" for k, x in list(v.items())[:4]) + "}"
            return str(v)

        text = ", ".join(f"{k.replace('_', ' ')} {fmt(v)}" for k, v in self.figures.items())
        return text if len(text) <= 240 else text[:239] + "…"


@dataclass(frozen=True)
class Version:
    version: str
    aliases: tuple[str, ...]
    gate: str
    created_ms: int
    run_id: str
    checks: tuple[GateCheck, ...] = field(default=())


@dataclass(frozen=True)
class ModelsView:
    name: str
    alias: str
    versions: list[Version]
    registry_error: str | None
    logged_decisions: int
    explored_decisions: int
    effect: OwnEffect


VERDICTS = ("gate_promote.json", "gate.json")  # the promotion's verdict outranks the training's


def gate_checks(client: Any, run_id: str) -> tuple[GateCheck, ...]:
    """The checks of the run's latest verdict; none when the run has no verdict file."""
    for name in VERDICTS:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(client.download_artifacts(run_id, name, tmp))
                data = json.loads(path.read_text(encoding="utf-8"))
        except Exception:  # no such artifact (an older run): try the next, else none
            continue
        return tuple(
            GateCheck(
                str(c.get("name", "")),
                bool(c.get("passed")),
                str(c.get("rule", "")),
                dict(c.get("figures") or {}),
            )
            for c in data.get("checks") or []
        )
    return ()


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
            checks=gate_checks(client, str(v.run_id)) if v.run_id else (),
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


def models_view(
    session: Session, creditor_id: int, settings: ApiSettings, as_of: date
) -> ModelsView:
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
        effect=own_effect(session, creditor_id, as_of),
    )
