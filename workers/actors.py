"""One thin actor per stage: take an id, run the stage's service, send the next message."""

from __future__ import annotations

from typing import Callable

import dramatiq

from pipeline.context import Context
from pipeline.stages.runner import run_stages
from pipeline.stages import FIRST, STAGES, Stage

# Dramatiq's own retries only bridge transient faults; the database counts attempts and
# sends an application to `failed` at the cap (pipeline.stages.runner), whatever the broker does.
RETRY = dict(max_retries=10, min_backoff=500, max_backoff=30_000)


class Queue:
    """The stage actors declared on one broker; `start` sends an application's first stage."""

    def __init__(self, broker: dramatiq.Broker, ctx: Context) -> None:
        self.broker = broker
        self.actors: dict[str, dramatiq.Actor] = {}
        for stage in STAGES:
            self.actors[stage.name] = dramatiq.actor(
                _perform(ctx, stage, self.send), broker=broker, actor_name=stage.name,
                queue_name=stage.queue, **RETRY)

    def send(self, stage_name: str, app_id: int) -> None:
        """Ask a worker to run a stage on an application (a hint: the database is the truth)."""
        self.actors[stage_name].send(app_id)

    def start(self, app_id: int) -> None:
        self.send(FIRST, app_id)

    @property
    def queue_names(self) -> list[str]:
        return sorted({s.queue for s in STAGES})


def _perform(ctx: Context, stage: Stage, send: Callable[[str, int], None]) -> Callable[[int], None]:
    def perform(application_id: int) -> None:
        following = run_stages(ctx, stage.name, application_id)
        if following:
            send(following, application_id)

    perform.__name__ = stage.name
    return perform
