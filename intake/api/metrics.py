"""HTTP latency for Prometheus, and the /metrics route (its text comes from the composition root)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Histogram

HTTP_SECONDS = Histogram("zhicheng_http_request_seconds", "HTTP request latency, by route and status",
                         ["method", "route", "status"])


def install(app: FastAPI, exposition: Callable[[], bytes] | None) -> None:
    """Time every request by its route template (never the raw path: ids stay out of labels)."""

    @app.middleware("http")
    async def timed(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            HTTP_SECONDS.labels(request.method, getattr(route, "path", "unmatched"),
                                str(status)).observe(time.perf_counter() - started)

    if exposition is None:
        return

    @app.get("/metrics", tags=["运维"], summary="Prometheus 指标（无需令牌）", include_in_schema=False)
    def metrics() -> Response:
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
