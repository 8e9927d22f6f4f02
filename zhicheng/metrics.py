"""Prometheus metrics: the database's figures (the same from every machine) and this process's
own (HTTP latency, stage seconds), for /metrics on `zhicheng serve`. Documented in
docs/operations.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pipeline.services import gauges
from zhicheng.bootstrap import Runtime
from zhicheng.health import health


class DatabaseCollector(Collector):
    """Reads the gauges at each scrape (a handful of aggregate queries)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Any]:
        found = health(self.runtime)
        up = GaugeMetricFamily("zhicheng_up", "1 when the component is reachable", labels=["component"])
        up.add_metric(["database"], 1 if found["database"]["ok"] else 0)
        up.add_metric(["broker"], 1 if found["broker"]["ok"] else 0)
        yield up
        yield GaugeMetricFamily("zhicheng_workers_running", "Worker processes running (heartbeat)",
                                value=found["workers"]["count"])
        if not found["database"]["ok"]:
            return
        g = gauges.read(self.runtime.ctx, self.runtime.stages)
        states = GaugeMetricFamily("zhicheng_applications", "Applications by state", labels=["state"])
        for state, n in sorted(g.states.items()):
            states.add_metric([state], n)
        yield states
        depth = GaugeMetricFamily("zhicheng_queue_depth", "Applications waiting, by queue (automatic "
                                  "stage or review queue)", labels=["queue", "kind"])
        age = GaugeMetricFamily("zhicheng_queue_oldest_age_seconds", "Age of the oldest waiting "
                                "application, by queue (0 when empty)", labels=["queue", "kind"])
        for q in g.queues:
            depth.add_metric([str(q["queue"]), str(q["kind"])], _number(q["depth"]))
            age.add_metric([str(q["queue"]), str(q["kind"])], _number(q["oldest_age_seconds"]))
        yield depth
        yield age
        for name, help_, value in (
                ("zhicheng_failed_applications", "Applications in `failed` (zhicheng retry after a fix)", g.failed),
                ("zhicheng_stuck_applications", "Applications at an automatic stage for longer than "
                 "the stuck threshold", g.stuck),
                ("zhicheng_expired_leases", "Waiting applications whose worker's lease ran out", g.expired_leases),
                ("zhicheng_publicities_past_due", "Open publicities whose end date has passed", g.publicities_past_due),
                ("zhicheng_ocr_pages", "Pages read by OCR (certificates and scanned reports)", g.ocr_pages),
                ("zhicheng_ocr_cache_hits", "Certificates whose content had been read before", g.cache_hits)):
            yield GaugeMetricFamily(name, help_, value=value)
        readings = GaugeMetricFamily("zhicheng_ocr_readings", "Contents read by OCR, by method",
                                     labels=["method"])
        for method, n in sorted(g.ocr_readings.items()):
            readings.add_metric([method], n)
        yield readings


def exposition(runtime: Runtime) -> bytes:
    """The text a scrape gets: this process's metrics, then the database's."""
    db = CollectorRegistry(auto_describe=False)
    db.register(DatabaseCollector(runtime))
    return generate_latest(REGISTRY) + generate_latest(db)


def _number(value: object) -> float:
    """A gauge's value: a count or an age in seconds; None (an empty queue has no age) is 0."""
    return float(value) if isinstance(value, int | float) else 0.0
