"""The composition root: settings in, the wired ports, broker and stage actors out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import dramatiq

from pipeline.context import Clock, Context
from pipeline.settings import Settings
from workers.actors import Queue
from workers.broker import make_broker

if TYPE_CHECKING:
    from pipeline.documents.ocr import OcrEngine


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


def bootstrap(settings: Settings, clock: Clock | None = None,
              ocr_engine: OcrEngine | None = None) -> Runtime:
    """Wire everything for these settings (one call per process); `ocr_engine` replaces the
    engine the settings name (tests pass a scripted one)."""
    ctx = Context.from_settings(settings, clock, ocr_engine)
    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    return Runtime(ctx, broker, Queue(broker, ctx))
