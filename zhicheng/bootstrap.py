"""The composition root: settings in, the wired ports, broker and stage actors out."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from pipeline.context import Clock, Context
from pipeline.settings import Settings
from workers.actors import Queue
from workers.broker import make_broker


@dataclass
class Runtime:
    ctx: Context
    broker: dramatiq.Broker
    queue: Queue

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def close(self) -> None:
        self.broker.close()
        self.ctx.db.dispose()


def bootstrap(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Wire everything for these settings (one call per process)."""
    ctx = Context.from_settings(settings, clock)
    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    return Runtime(ctx, broker, Queue(broker, ctx))
