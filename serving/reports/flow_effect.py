"""The learned flow's measured effect against the fixed ladder, as the digest shows it.

The figures come from an evaluation (simulator replay or off-policy estimate) written by the
training side as JSON; serving only reads the file, it never imports ``training``. The shape::

    {"source": "simulator replay, 2,000 debtors", "measured_on": "2026-11-20",
     "policy": {"dso_days": 41.2, "cost_per_euro_cents": 0.8, "collected_share": 0.93,
                "complaint_rate": 0.004},
     "ladder": {"dso_days": 47.9, "cost_per_euro_cents": 1.4, "collected_share": 0.9,
                "complaint_rate": 0.006}}

Every figure is optional; the digest shows the ones present in both arms. No file: "not measured
yet".
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

METRICS = ("dso_days", "cost_per_euro_cents", "collected_share", "complaint_rate")
# for each metric: is a lower value better?
LOWER_IS_BETTER = {
    "dso_days": True,
    "cost_per_euro_cents": True,
    "collected_share": False,
    "complaint_rate": True,
}


class FlowEffectError(ValueError):
    """The flow-effect file is not in the expected shape."""


@dataclass(frozen=True)
class FlowEffect:
    policy: dict[str, float]
    ladder: dict[str, float]
    source: str = ""
    measured_on: date | None = None
    metrics: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        shown = tuple(m for m in METRICS if m in self.policy and m in self.ladder)
        object.__setattr__(self, "metrics", shown)

    def better(self, metric: str) -> bool:
        """Whether the learned flow beats the ladder on ``metric``."""
        p, ladder = self.policy[metric], self.ladder[metric]
        return p < ladder if LOWER_IS_BETTER[metric] else p > ladder

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FlowEffect":
        try:
            arms = {
                arm: {k: float(v) for k, v in data[arm].items() if k in METRICS}
                for arm in ("policy", "ladder")
            }
            measured = data.get("measured_on")
            return cls(
                policy=arms["policy"],
                ladder=arms["ladder"],
                source=str(data.get("source", "")),
                measured_on=date.fromisoformat(measured) if measured else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise FlowEffectError(f"flow effect: {err!r} (need 'policy' and 'ladder')") from err


def load_flow_effect(path: Path | None) -> FlowEffect | None:
    """The effect from ``path``; None when no path is given or the file does not exist yet."""
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise FlowEffectError(f"{path}: not JSON ({err})") from err
    if not isinstance(data, dict):
        raise FlowEffectError(f"{path}: expected a JSON object")
    return FlowEffect.from_json(data)
