"""The broker: Redis when a URL is configured, else Dramatiq's in-memory broker in this process."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from pipeline.settings import Settings


def make_broker(settings: Settings) -> dramatiq.Broker:
    """A Redis broker for `redis://…`, or the embedded in-memory one (the laptop default)."""
    if settings.broker_url:
        from dramatiq.brokers.redis import RedisBroker

        redis: dramatiq.Broker = RedisBroker(url=settings.broker_url, namespace=settings.queue_namespace)
        if settings.worker_metrics_port:
            # Dramatiq's own middleware: message counters and durations per stage, and the
            # process's zhicheng_* metrics, merged over the worker processes, on that port.
            from dramatiq.middleware.prometheus import Prometheus

            redis.add_middleware(Prometheus())
        return redis
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker
