"""What stays in a Spark Python worker between tasks: the pinned champion, unpickled once.

The driver pins the champion to one registry version and ships it as a broadcast of its pickle;
a worker process (Spark reuses them) unpickles it on its first task and keeps it by version, so
the model is loaded once per worker, not once per bucket.
"""

import pickle
from typing import Any

from policy.decision_path import Pinned

_PINNED: dict[str, Pinned] = {}


def ship(pinned: Pinned | None) -> bytes:
    return pickle.dumps(pinned, protocol=pickle.HIGHEST_PROTOCOL)


def pinned(version: str, shipped: Any) -> Pinned | None:
    """The champion of ``version`` (``shipped``: the broadcast of :func:`ship`'s bytes)."""
    if version not in _PINNED:
        got = pickle.loads(shipped.value)
        if got is None:
            return None
        _PINNED[version] = got
    return _PINNED[version]
