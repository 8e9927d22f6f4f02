"""Running the stages on a chunk of applications: idempotent, counted, compare-and-set.

1. claim: one UPDATE takes a lease on every application of the chunk that still waits for the
   stage and that no other worker holds (its lease has not run out), and counts an attempt;
   committed at once, so a chunk that kills its worker is still counted. The lease is renewed
   while the work runs, so it runs out only when the worker is gone (or hung). A redelivered or
   duplicated message finds nothing to claim: a no-op. Past the cap an application goes to
   `failed`.
2. run: the stage's work on the claimed ids, outside any transaction. If it raises, each
   application is run alone, so that one bad application does not hold back the others.
3. finish: one transaction for the chunk: the moves `takes → gives` as one compare-and-set
   UPDATE per target (one event per move), the stage's findings replaced, materials updated,
   readings cached, then the routing moves. An application another worker finished first is
   not moved, and its results are not written; the notes (events to log once) are written with
   the moves.

The runner alone persists a stage's result (pipeline.stages documents the contract).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.errors import TransientFault, is_permanent
from pipeline.stages import CachedReading, Note, Stage, StageResult, Stages
from pipeline.storage.db.models import Application, Event, Extraction, FindingRow, Material
from pipeline.storage.transitions import SYSTEM, move, move_many

log = logging.getLogger(__name__)

Next = dict[str, list[int]]   # stage name -> the applications to send to it
RENEW_CAP = 10                # leases a chunk's work may run before it counts as hung


class StageFailed(TransientFault):
    """Some applications of a chunk failed and have attempts left: the queue retries the chunk."""


@dataclass(frozen=True)
class Outcome:
    """What a chunk left to do: messages for stages on other queues, and ids to retry."""

    next: Next
    retry: list[int]


def run_chunk(ctx: Context, stages: Stages, stage_name: str, app_ids: Sequence[int]) -> Outcome:
    """Run a stage and the stages after it that share its queue on a chunk of applications.

    Each application starts where it actually waits: a retried chunk finds its first stages done
    and goes on from the one that failed. Work waiting on another queue is left to the message
    that put it there. The caller sends `next`, then has the queue retry the chunk (StageFailed)
    when `retry` is not empty: the retried chunk finds the others done.
    """
    queue = stages.named(stage_name).queue
    pending: dict[str, list[int]] = defaultdict(list)
    for app_id, waiting in _waiting_for(ctx, stages, app_ids).items():
        if waiting.queue == queue:
            pending[waiting.name].append(app_id)
    following: Next = defaultdict(list)
    retry: list[int] = []
    for stage in stages:
        ids = pending.pop(stage.name, [])
        if stage.queue != queue or not ids:
            continue
        moved, failed = run_stage(ctx, stages, stage, ids)
        retry += failed
        for name, done in moved.items():
            (pending if stages.named(name).queue == queue else following)[name].extend(done)
    return Outcome(dict(following), sorted(retry))


def _waiting_for(ctx: Context, stages: Stages, app_ids: Sequence[int]) -> dict[int, Stage]:
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.id, Application.state)
                         .where(Application.id.in_(list(app_ids)))).all()
    out = {}
    for app_id, state in rows:
        stage = stages.waiting_in(state)
        if stage is not None:
            out[app_id] = stage
    return out


def run_stage(ctx: Context, stages: Stages, stage: Stage, app_ids: Sequence[int]
              ) -> tuple[Next, list[int]]:
    """Run one stage on a chunk: (the next stage's name -> ids moved to it, ids to retry)."""
    claimed = _claim(ctx, stage, app_ids)
    if not claimed:
        return {}, []
    with _renewing(ctx, stage, sorted(claimed)):
        results, errors = _run(ctx, stage, sorted(claimed))
    retry: list[int] = []
    for app_id, exc in errors.items():
        attempt = claimed[app_id]
        if is_permanent(exc):  # retrying cannot mend it: failed now, the queue not asked again
            _fail(ctx, stage, app_id, f"“{stage.name}”阶段出错，重试无效：{type(exc).__name__}: {exc}")
        elif attempt >= ctx.settings.stage_attempt_cap:
            _fail(ctx, stage, app_id,
                  f"“{stage.name}”阶段连续{attempt}次出错：{type(exc).__name__}: {exc}")
        else:
            retry.append(app_id)
    if retry:
        _release(ctx, stage, retry)  # the queue's retry may claim them again
    # Ids the stage left out no longer exist as they were: release them, nothing to move.
    gone = [i for i in claimed if i not in results and i not in errors]
    if gone:
        _release(ctx, stage, gone)
    moved = finish(ctx, stage, results) if results else {}
    out: Next = defaultdict(list)
    for app_id, state in moved.items():
        after = stages.waiting_in(state)
        if after is not None:
            out[after.name].append(app_id)
    return dict(out), retry


def _run(ctx: Context, stage: Stage, ids: list[int]
         ) -> tuple[dict[int, StageResult], dict[int, Exception]]:
    try:
        return dict(stage.run(ctx, ids)), {}
    except Exception as exc:
        if len(ids) == 1:
            log.exception("stage %s failed on application %s", stage.name, ids[0])
            return {}, {ids[0]: exc}
    results: dict[int, StageResult] = {}
    errors: dict[int, Exception] = {}
    for app_id in ids:  # one by one: find which application fails
        try:
            results.update(stage.run(ctx, [app_id]))
        except Exception as exc:
            log.exception("stage %s failed on application %s", stage.name, app_id)
            errors[app_id] = exc
    return results, errors


def _claim(ctx: Context, stage: Stage, app_ids: Sequence[int]) -> dict[int, int]:
    """Lease the applications that wait for the stage; {id: attempt}. Past the cap: failed."""
    now = ctx.clock.now()
    with ctx.db.uow(durable=False) as s:
        rows = s.execute(
            update(Application)
            .where(Application.id.in_(list(app_ids)), Application.state == str(stage.takes),
                   or_(Application.lease_until.is_(None), Application.lease_until < now))
            .values(attempts=Application.attempts + 1,
                    lease_until=now + timedelta(seconds=ctx.settings.stage_lease_seconds))
            .returning(Application.id, Application.attempts)
            .execution_options(synchronize_session=False)).all()
        s.commit()
    claimed: dict[int, int] = {}
    for app_id, attempt in rows:
        if attempt > ctx.settings.stage_attempt_cap:
            _fail(ctx, stage, app_id,
                  f"“{stage.name}”阶段已尝试{attempt - 1}次仍未完成（可能导致处理进程退出）")
        else:
            claimed[app_id] = attempt
    return claimed


@contextmanager
def _renewing(ctx: Context, stage: Stage, app_ids: list[int]) -> Iterator[None]:
    """Renew the chunk's leases every third of a lease while its work runs: a chunk may take
    longer than one application's lease, and only a worker that stops renewing (it died) should
    lose its work. A chunk still running after RENEW_CAP leases is taken as hung: no more renewals."""
    lease = ctx.settings.stage_lease_seconds
    stop = threading.Event()

    def renew() -> None:
        for _ in range(RENEW_CAP * 3):
            if stop.wait(max(0.5, lease / 3)):
                return
            try:
                with ctx.db.uow(durable=False) as s:
                    s.execute(update(Application)
                              .where(Application.id.in_(app_ids),
                                     Application.state == str(stage.takes),
                                     Application.lease_until.is_not(None))
                              .values(lease_until=ctx.clock.now() + timedelta(seconds=lease))
                              .execution_options(synchronize_session=False))
                    s.commit()
            except Exception:  # a database hiccup: the next round tries again
                log.warning("renewing the leases of %s failed", stage.name, exc_info=True)

    thread = threading.Thread(target=renew, daemon=True, name=f"lease-{stage.name}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _release(ctx: Context, stage: Stage, app_ids: Sequence[int]) -> None:
    with ctx.db.uow(durable=False) as s:
        s.execute(update(Application)
                  .where(Application.id.in_(list(app_ids)), Application.state == str(stage.takes))
                  .values(lease_until=None).execution_options(synchronize_session=False))
        s.commit()


def _fail(ctx: Context, stage: Stage, app_id: int, error: str) -> None:
    message = f"技术故障：{error}；请运维人员排查后执行 zhicheng retry {app_id}"
    with ctx.db.uow() as s:
        if move(s, app_id, stage.takes, State.FAILED, now=ctx.clock.now(), action="failed",
                reason=message, last_error=message, lease_until=None):
            s.commit()


def finish(ctx: Context, stage: Stage, results: dict[int, StageResult]) -> dict[int, State]:
    """Persist a chunk's results in one transaction; return the state each moved application is in."""
    now = ctx.clock.now()
    action = f"stage.{stage.name}"
    notes = [n for r in results.values() for n in r.notes]
    with ctx.db.uow(durable=False) as s:
        if notes:  # the rows of every application concerned, locked in one order (PostgreSQL)
            s.execute(select(Application.id)
                      .where(Application.id.in_({*results, *(n.application_id for n in notes)}))
                      .order_by(Application.id).with_for_update())
        moved = move_many(s, list(results), stage.takes, stage.gives, now=now, action=action,
                          reason=lambda i: None if results[i].route else results[i].reason,
                          attempts=0, last_error=None, lease_until=None)
        if not moved:
            return {}  # another worker finished them first
        s.execute(delete(FindingRow).where(FindingRow.application_id.in_(moved),
                                           FindingRow.stage == stage.name)
                  .execution_options(synchronize_session=False))
        findings = [dict(application_id=i, stage=stage.name, rule=f.rule, severity=str(f.level),
                         material=f.material, message=f.message, created_at=now)
                    for i in moved for f in results[i].findings]
        if findings:
            s.execute(insert(FindingRow), findings)
        updates = [{"id": material_id, **values} for i in moved
                   for material_id, values in results[i].materials.items()]
        if updates:  # one executemany, by primary key
            s.execute(update(Material), updates)
        columns: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
        for i in moved:  # one executemany by primary key per set of columns
            if results[i].application:
                columns[tuple(sorted(results[i].application))].append(
                    {"id": i, **results[i].application})
        for rows in columns.values():
            s.execute(update(Application), rows)
        _cache(s, [r for i in moved for r in results[i].readings])
        _note(s, now, [n for i in moved for n in results[i].notes])
        state = {i: stage.gives for i in moved}
        routes: dict[State, list[int]] = defaultdict(list)
        for i in moved:
            route = results[i].route
            if route is not None:
                routes[route].append(i)
        for target, ids in routes.items():  # a pure decision on the result, in the same transaction
            done = move_many(s, ids, stage.gives, target, now=now, action=action,
                             reason=lambda i: results[i].reason)
            state.update({i: target for i in done})
        s.commit()
    return state


def _note(s: Session, now: datetime, notes: list[Note]) -> None:
    """Log each note once: not when its application already has the same action and reason
    (the rows are locked: two chunks noting the same pair write it once)."""
    if not notes:
        return
    seen = {tuple(r) for r in s.execute(
        select(Event.application_id, Event.action, Event.reason)
        .where(Event.application_id.in_({n.application_id for n in notes}),
               Event.action.in_({n.action for n in notes})))}
    rows = []
    for n in notes:
        if (n.application_id, n.action, n.reason) not in seen:
            seen.add((n.application_id, n.action, n.reason))
            rows.append(dict(application_id=n.application_id, subject=n.subject,
                             subject_id=str(n.application_id), action=n.action, actor=SYSTEM,
                             reason=n.reason, created_at=now))
    if rows:
        s.execute(insert(Event), rows)


def _cache(s: Session, readings: list[CachedReading]) -> None:
    """Store readings in the content-addressed cache; one read meanwhile by another worker wins."""
    if not readings:
        return
    rows = {(r.sha256, r.method): dict(sha256=r.sha256, method=r.method, text=r.text,
                                       chars=r.chars, fields=r.fields, confidence=r.confidence,
                                       created_at=r.created_at) for r in readings}
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    s.execute(upsert(Extraction).on_conflict_do_nothing(index_elements=["sha256", "method"]),
              list(rows.values()))
