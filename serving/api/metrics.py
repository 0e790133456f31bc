"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

import time

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
        app.add_middleware(_Measure, metrics=self)

    def set_model(self, version: str, mode: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version, mode).set(1)


class _Measure:
    """Counts and times every HTTP request by route template and status. A plain ASGI middleware:
    Starlette's ``BaseHTTPMiddleware`` costs about a millisecond per request, as much as a whole
    single-debtor answer should."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started is what the client sees as 500

        async def measured_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.latency.labels(method, path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, path, str(status)).inc()
