"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dunflow_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dunflow_http_request_seconds",
            "Request latency by route.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.model_info = Gauge(
            "dunflow_model_info",
            "The policy model being served (value 1), by version and mode.",
            ["version", "mode"],
            registry=self.registry,
        )
        self.recommendations = Counter(
            "dunflow_recommendations_total",
            "Recommendations returned, by channel.",
            ["channel"],
            registry=self.registry,
        )

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def _measure(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.latency.labels(request.method, path).observe(time.perf_counter() - started)
            self.requests.labels(request.method, path, str(response.status_code)).inc()
            return response

    def set_model(self, version: str, mode: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version, mode).set(1)
