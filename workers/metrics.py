"""Metrics of the process that runs the stages: seconds per application of each stage.

In a Redis worker the Dramatiq Prometheus middleware serves them (with its own message
counters) on the worker's metrics port, merged over the worker's processes; in the embedded mode
they are in this process's registry, served by `zhicheng serve` at /metrics."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_STAGE: Any = None


def stage_seconds() -> Any:
    """The histogram, made on first use: in a Redis worker only after the middleware has set up
    the multiprocess directory at process boot (prometheus_client reads it when imported)."""
    global _STAGE
    with _LOCK:
        if _STAGE is None:
            from prometheus_client import Histogram

            _STAGE = Histogram("zhicheng_stage_seconds",
                               "Seconds of a stage's work per application (a chunk's time shared out)",
                               ["stage"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120))
        return _STAGE


def observe(stage: str, seconds: float, applications: int) -> None:
    """Record a chunk: `applications` observations of seconds / applications each."""
    if applications <= 0:
        return
    child = stage_seconds().labels(stage=stage)
    for _ in range(applications):
        child.observe(seconds / applications)
