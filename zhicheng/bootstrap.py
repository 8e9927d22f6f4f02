"""The composition root: settings in; the wired ports, broker, stage actors and runtime out.

The runtime is the one place that knows whether the work runs here (embedded: no broker, the
stages run in threads of this process) or on workers elsewhere (Redis). Commands say what they
need with `workers()` (run the stages here while the block runs, if that is how this runtime
works) and `settle()` (wait, bounded, until the work has left the automatic stages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import dramatiq

from pipeline.context import Clock, Context
from pipeline.services import recovery
from pipeline.settings import Settings
from pipeline.stages import STAGES, Stages
from workers import presence
from workers.actors import Queue
from workers.broker import make_broker
from workers.embedded import InProcessWorker
from workers.settle import Notice, Progress, settle

if TYPE_CHECKING:
    from pipeline.documents.ocr import OcrEngine


@dataclass(frozen=True)
class Workers:
    """What `Runtime.workers()` gives the block: whether the stages run in this process."""

    local: bool


@dataclass
class Runtime:
    ctx: Context
    broker: dramatiq.Broker
    queue: Queue
    stages: Stages = STAGES
    _local: InProcessWorker | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def embedded(self) -> bool:
        """True when this process runs the stages itself (no broker configured)."""
        return self.settings.embedded

    def start(self, app_ids: int | list[int]) -> None:
        """Send applications to the first stage."""
        self.queue.start(app_ids)

    @contextmanager
    def workers(self) -> Iterator[Workers]:
        """Embedded: run the stages in this process while the block runs, sending again what a
        crash left waiting. With a broker: nothing to do here (workers run elsewhere)."""
        if not self.embedded or self._local is not None:
            yield Workers(local=self._local is not None)
            return

        def sweep(idle: bool) -> None:
            recovery.resend_expired(self.ctx, self.queue.send, stages=self.stages)
            if idle:
                recovery.resend_unclaimed(self.ctx, self.queue.send, stages=self.stages)

        local = InProcessWorker(self.broker, self.settings.worker_threads, sweep)
        with presence.present(self.settings, self.stages.queues), local:
            self._local = local
            try:
                yield Workers(local=True)
            finally:
                self._local = None

    def settle(self, batch_id: int | None = None, *, timeout: float | None = None,
               progress: Progress | None = None, notice: Notice | None = None) -> int:
        """Wait (bounded) until the batch's (or all) work has left the automatic stages; return
        how many applications were waiting. Raises workers.settle.Stalled with the reason."""
        return settle(self.ctx, self.stages, self.queue.send, self._local, batch_id=batch_id,
                      timeout=timeout, progress=progress, notice=notice)

    def close(self) -> None:
        self.broker.close()
        self.ctx.db.dispose()


def bootstrap(settings: Settings, clock: Clock | None = None,
              ocr_engine: OcrEngine | None = None, *, stages: Stages = STAGES) -> Runtime:
    """Wire everything for these settings (one call per process); `ocr_engine` replaces the
    engine the settings name and `stages` the stages (tests pass scripted ones)."""
    ctx = Context.from_settings(settings, clock, ocr_engine)
    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    return Runtime(ctx, broker, Queue(broker, ctx, stages), stages)

