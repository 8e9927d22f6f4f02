"""The automatic stages, in order, and the contract every stage keeps.

The contract
------------
- A stage is a frozen ``Stage(name, takes, gives, queue, run)``. It works on applications that
  wait in state ``takes``; when it is done with one, the application is in ``gives`` (and, when
  the result says so, moved on at once by a decision on that result: ``StageResult.route``).
- ``run(ctx, app_ids)`` gets a chunk of application ids and returns one ``StageResult`` per id it
  could work on (an id it cannot find is left out: it is no longer there to move). It reads what
  it needs in its own short transactions and does the slow work outside any transaction.
- ``run`` writes nothing about an application. The runner alone persists a result, in one
  transaction per chunk: the move ``takes → gives`` as a compare-and-set (one event per move),
  the stage's findings (replacing what an earlier run of the same stage wrote), the updates to
  materials, the readings for the content-addressed cache, the notes (events logged once), and
  then the routing move.
- ``run`` is idempotent: the queue may deliver a chunk twice, a worker may die half-way, and
  recovery may send the work again. The claim (a lease per application) makes a duplicate a
  no-op while the first runs; the compare-and-set makes a late finish a no-op.
- Each stage's ``gives`` is the next stage's ``takes`` (checked when ``Stages`` is made): the
  order is written here and nowhere else. Stages that share a queue run one after the other in
  one message; a stage with slow work of another kind (OCR) has a queue, and workers, of its own.
- The stages are passed to the runtime (``zhicheng.bootstrap.bootstrap(stages=...)``); tests pass
  their own (``STAGES.replace("extract", run=...)``) instead of patching a global.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pipeline.context import Context
from pipeline.domain.findings import Finding
from pipeline.domain.states import State, can_move

# How work reaches a stage: the queue's send, with the stage's name and the applications' ids.
Send = Callable[[str, Sequence[int]], None]


@dataclass(frozen=True)
class CachedReading:
    """One reading for the extraction cache (content hash + method), stored by the runner."""

    sha256: str
    method: str
    text: str
    chars: int
    fields: dict[str, Any]
    confidence: float | None
    created_at: datetime


@dataclass(frozen=True)
class Note:
    """An event a result asks to log once: the runner skips it when the application already has
    an event with the same action and reason (the check stage's duplicate.flagged)."""

    application_id: int
    subject: str
    action: str
    reason: str


@dataclass(frozen=True)
class StageResult:
    """What a stage's work produced for one application; the runner persists it."""

    findings: tuple[Finding, ...] = ()
    # material id -> the columns to set (one executemany by primary key)
    materials: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    readings: tuple[CachedReading, ...] = ()
    route: State | None = None      # a further move decided by the result (check: returned | unit_review)
    reason: str | None = None       # why, for the event of the last move
    # Columns of the application to set with the result (the check stage's OCR comparisons).
    application: Mapping[str, object] = field(default_factory=dict)
    # Events to log once, on this or another application (never shown to units).
    notes: tuple[Note, ...] = ()


Run = Callable[[Context, Sequence[int]], Mapping[int, StageResult]]


@dataclass(frozen=True)
class Stage:
    """One automatic stage: from `takes` to `gives`, on `queue`, doing `run`."""

    name: str
    takes: State
    gives: State
    queue: str
    run: Run


@dataclass(frozen=True)
class Stages:
    """The stages in order; each one's `gives` is the next one's `takes`."""

    all: tuple[Stage, ...]

    def __post_init__(self) -> None:
        names = [s.name for s in self.all]
        if not self.all or len(set(names)) != len(names):
            raise ValueError(f"stages must be non-empty with unique names: {names}")
        for before, after in zip(self.all, self.all[1:]):
            if before.gives is not after.takes:
                raise ValueError(f"stage {after.name} takes {after.takes}, {before.name} gives {before.gives}")
        for s in self.all:
            if not can_move(s.takes, s.gives):
                raise ValueError(f"stage {s.name}: the state machine forbids {s.takes} → {s.gives}")

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.all)

    @property
    def first(self) -> Stage:
        return self.all[0]

    def named(self, name: str) -> Stage:
        """The stage of that name (KeyError if none)."""
        for s in self.all:
            if s.name == name:
                return s
        raise KeyError(name)

    def waiting_in(self, state: State | str) -> Stage | None:
        """The stage that takes an application in this state, if any."""
        for s in self.all:
            if s.takes == state:
                return s
        return None

    @property
    def queues(self) -> list[str]:
        return sorted({s.queue for s in self.all})

    def replace(self, name: str, **changes: Any) -> Stages:
        """A copy with one stage changed (tests: a failing or slow `run`)."""
        return Stages(tuple(replace(s, **changes) if s.name == name else s for s in self.all))


def _lazy(module: str) -> Run:
    """A stage's work, imported on first call: commands that run no stage start without the
    heavy imports (image, PDF and OCR libraries) the work needs."""

    def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
        return importlib.import_module(module).run(ctx, app_ids)  # type: ignore[no-any-return]

    return run


STAGES = Stages((
    Stage("normalize", State.RECEIVED, State.NORMALIZED, "pipeline", _lazy("pipeline.stages.normalize")),
    Stage("extract", State.NORMALIZED, State.EXTRACTED, "ocr", _lazy("pipeline.stages.extract")),
    # checked → returned | unit_review is the result's route, in the check's own transaction
    Stage("check", State.EXTRACTED, State.CHECKED, "pipeline", _lazy("pipeline.stages.check")),
))
