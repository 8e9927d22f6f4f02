"""The automatic stages, in order. Nothing else knows the order (STYLE 5)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from pipeline.context import Context
from pipeline.domain.findings import Finding
from pipeline.domain.states import State


@dataclass
class StageResult:
    """What a stage's work produced: its findings, updates to materials, and the next state."""

    target: State
    findings: list[Finding]
    material_updates: dict[int, dict[str, object]]
    reason: str | None = None
    then: State | None = None             # a further move decided by the result (routing)
    # Columns of the application to set with the result (the check stage's OCR comparisons).
    application_updates: dict[str, object] = field(default_factory=dict)


@dataclass
class Stage:
    name: str
    takes: State                          # the state in which an application waits for it
    queue: str                            # the queue its messages go to
    work: Callable[[Context, int], StageResult]


def _lazy(module: str) -> Callable[[Context, int], StageResult]:
    """A stage's work, imported on first call: commands that run no stage start without the
    heavy imports (image, PDF and OCR libraries) the work needs."""

    def work(ctx: Context, app_id: int) -> StageResult:
        return importlib.import_module(module).work(ctx, app_id)  # type: ignore[no-any-return]

    return work


def _stages() -> tuple[Stage, ...]:
    # Stages that share a queue run one after the other in one message (runner.run_stages);
    # a stage with slow work of another kind (OCR) gets a queue, and workers, of its own.
    return (
        Stage("normalize", State.RECEIVED, "pipeline", _lazy("pipeline.stages.normalize")),
        Stage("extract", State.NORMALIZED, "ocr", _lazy("pipeline.stages.extract")),
        # checked → returned | unit_review is routed in the check stage's own transaction
        Stage("check", State.EXTRACTED, "pipeline", _lazy("pipeline.stages.check")),
    )


STAGES: tuple[Stage, ...] = _stages()
BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
BY_STATE: dict[State, Stage] = {s.takes: s for s in STAGES}
FIRST = STAGES[0].name


def next_stage(state: State) -> Stage | None:
    """The stage that takes an application in this state, if any."""
    return BY_STATE.get(state)
