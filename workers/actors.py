"""One thin actor per stage: take a chunk of ids, run the stages, send the next messages."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import dramatiq

from pipeline.context import Context
from pipeline.stages import Send, Stage, Stages
from pipeline.stages.runner import StageFailed, run_chunk
from workers import metrics

# Dramatiq's own retries only bridge transient faults; the database counts attempts and
# sends an application to `failed` at the cap (pipeline.stages.runner), whatever the broker does.
MAX_RETRIES, MIN_BACKOFF, MAX_BACKOFF = 10, 500, 30_000


class Queue:
    """The stage actors declared on one broker; `send` asks for a stage on applications."""

    def __init__(self, broker: dramatiq.Broker, ctx: Context, stages: Stages) -> None:
        self.broker = broker
        self.ctx = ctx
        self.stages = stages
        self.actors: dict[str, dramatiq.Actor[..., Any]] = {}
        for stage in stages:
            self.actors[stage.name] = dramatiq.actor(
                broker=broker, actor_name=stage.name, queue_name=stage.queue,
                max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF, max_backoff=MAX_BACKOFF,
            )(_perform(ctx, stages, stage, self.send))

    def chunk_size(self, stage_name: str) -> int:
        """Applications per message: OCR work one by one (it spreads over the OCR workers of
        every machine), everything else in chunks (one claim and one finish per chunk)."""
        stage = self.stages.named(stage_name)
        if stage.queue == "ocr" and self.ctx.settings.ocr_engine != "null":
            return 1
        return max(1, self.ctx.settings.stage_chunk)

    def send(self, stage_name: str, app_ids: int | Iterable[int]) -> None:
        """Ask a worker to run a stage on applications (a hint: the database is the truth)."""
        ids = [app_ids] if isinstance(app_ids, int) else list(app_ids)
        size = self.chunk_size(stage_name)
        for i in range(0, len(ids), size):
            self.actors[stage_name].send(ids[i:i + size])

    def start(self, app_ids: int | Iterable[int]) -> None:
        """Send applications to the first stage."""
        self.send(self.stages.first.name, app_ids)


def _perform(ctx: Context, stages: Stages, stage: Stage,
             send: Send) -> Callable[[int | list[int]], None]:
    def perform(application_ids: int | list[int]) -> None:
        # a message of an earlier version carries one id
        ids = [application_ids] if isinstance(application_ids, int) else application_ids
        started = time.perf_counter()
        outcome = run_chunk(ctx, stages, stage.name, ids)
        metrics.observe(stage.name, time.perf_counter() - started, len(ids))
        for name, following in outcome.next.items():
            send(name, following)
        if outcome.retry:
            raise StageFailed(f"“{stage.name}”阶段有{len(outcome.retry)}份申报出错，稍后重试："
                              f"{outcome.retry}")

    perform.__name__ = stage.name
    return perform
