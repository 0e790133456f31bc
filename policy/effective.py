"""Effective-dated rule data: load a file from ``policy/data`` and pick the version in force.

Rates, brackets and extra holidays are data with an ``effective_from`` date, never constants in
code. This module must never guess: a date before the first version is an error, not a default.
"""

import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_DATA_DIR = Path(__file__).resolve().parent / "data"


class NoRuleInForceError(LookupError):
    """No version of a rule was in force on the date asked for."""


def data_text(name: str) -> str:
    """The text of ``policy/data/<name>``."""
    return (_DATA_DIR / name).read_text(encoding="utf-8")


@lru_cache
def load_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data_text(name))
    return loaded


def in_force(versions: Sequence[T], on: date, *, key: str = "effective_from", what: str) -> T:
    """The version with the latest ``effective_from`` on or before ``on``.

    ``versions`` are mappings or objects with an ``effective_from`` date (or ISO string).
    """
    best: T | None = None
    best_from: date | None = None
    for version in versions:
        raw = version[key] if isinstance(version, dict) else getattr(version, key)
        start = raw if isinstance(raw, date) else date.fromisoformat(raw)
        if start <= on and (best_from is None or start > best_from):
            best, best_from = version, start
    if best is None:
        raise NoRuleInForceError(f"no {what} in force on {on.isoformat()}")
    return best
