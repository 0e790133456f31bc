"""The scheduler's side of the scoring API: ``POST /v1/recommendations`` over HTTP, in batches.

Each creditor calls with its own key (tenancy: a key sees one creditor). Timeouts, refused
connections and 5xx answers are retried a few times with a short backoff; anything else is an
:class:`ScoringError` naming the batch. This module must never decide anything: it asks and
returns the answers as the API gave them.
"""

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import httpx

from serving.api.schemas import RecommendationBrief, RecommendationsBrief

RETRIES = 3


class ScoringError(RuntimeError):
    """The scoring API did not answer a batch usefully."""


def batches(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class ScoringClient:
    def __init__(
        self,
        base_url: str,
        key_for: Callable[[str], str],
        *,
        batch_size: int = 500,
        timeout_s: float = 120.0,
        transport: httpx.BaseTransport | None = None,
        in_flight: int = 2,
    ) -> None:
        self.key_for, self.batch_size, self.in_flight = key_for, batch_size, max(1, in_flight)
        # no keep-alive: a kept connection sticks to one of the API's worker processes, and the
        # in-flight calls then queue in one worker while the other idles (seen in bench_cycle);
        # a fresh connection goes to whichever worker is free to accept it
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self.http.close()

    def recommend(
        self, creditor_name: str, debtor_ids: Sequence[int], at: datetime
    ) -> list[RecommendationBrief]:
        """Answers for every debtor, batch by batch (order kept)."""
        return [rec for answers in self.stream(creditor_name, debtor_ids, at) for rec in answers]

    def stream(
        self, creditor_name: str, debtor_ids: Sequence[int], at: datetime
    ) -> Iterator[list[RecommendationBrief]]:
        """The answers batch by batch, in order. Up to ``in_flight`` batches are being asked while
        the caller works on the one it got: the API scores in its own processes (``dunflow serve
        --workers``), so its scoring and the scheduler's re-check share the cores."""
        key = self.key_for(creditor_name)
        parts = list(batches(debtor_ids, self.batch_size))
        if not parts:
            return
        with ThreadPoolExecutor(self.in_flight, thread_name_prefix="scoring") as pool:
            pending: deque[Future[list[RecommendationBrief]]] = deque()
            for part in parts[: self.in_flight]:
                pending.append(pool.submit(self._post, key, part, at))
            for k in range(len(parts)):
                answers = pending.popleft().result()
                if k + self.in_flight < len(parts):
                    pending.append(pool.submit(self._post, key, parts[k + self.in_flight], at))
                yield answers

    def _post(self, key: str, ids: list[int], at: datetime) -> list[RecommendationBrief]:
        # brief: the scheduler acts on the action alone; parsing each answer's explanation (every
        # SHAP value) cost half of its CPU in bench_cycle. The API stores the full answer anyway.
        body = {"debtor_ids": ids, "at": at.isoformat(), "detail": "brief"}
        last = ""
        for attempt in range(RETRIES):
            try:
                resp = self.http.post("/v1/recommendations", json=body, headers={"X-API-Key": key})
            except httpx.TransportError as err:
                last = f"{type(err).__name__}: {err}"
            else:
                if resp.status_code < 500:
                    if resp.status_code != 200:
                        raise ScoringError(
                            f"scoring API answered {resp.status_code} for debtors "
                            f"{ids[0]}..{ids[-1]}: {resp.text[:300]}"
                        )
                    return RecommendationsBrief.model_validate_json(resp.content).recommendations
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
            time.sleep(0.5 * 2**attempt)
        raise ScoringError(f"scoring API unavailable after {RETRIES} tries: {last}")
