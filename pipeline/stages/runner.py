"""Running one stage on one application: idempotent, counted, compare-and-set.

1. claim: if the application is not (any more) in the state the stage takes, or another worker
   holds the stage (its lease has not run out), do nothing: a redelivered or duplicated message
   is a no-op. Otherwise take the lease, count the attempt and commit, so a message that kills
   its worker is still counted; past the cap the application goes to `failed`.
2. work: the slow part, outside any transaction.
3. finish: move the state with a compare-and-set and, in the same transaction, replace the
   stage's findings and store its results. If another worker finished first, roll back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update

from pipeline.context import Context
from pipeline.errors import is_permanent
from pipeline.storage.db.models import Application, FindingRow, Material
from pipeline.storage.transitions import move
from pipeline.stages import BY_NAME, BY_STATE, Stage, StageResult
from pipeline.domain.states import State

log = logging.getLogger(__name__)


def run_stages(ctx: Context, stage_name: str, app_id: int) -> str | None:
    """Run a stage and the stages after it that share its queue; return the next one to send.

    Each stage keeps its own claim and its own transaction: a worker that dies between two of
    them leaves the application at the last finished stage, where recovery finds it. Only the
    message between them is saved (a stage on another queue, such as OCR, still gets one).
    """
    queue = BY_NAME[stage_name].queue
    # Start where the application actually waits: a retried message finds its first stages
    # done and goes on from the one that failed. Work waiting on another queue is left to the
    # message that put it there.
    following = _waiting_for(ctx, app_id)
    if following is None or BY_NAME[following].queue != queue:
        return None
    while following is not None and BY_NAME[following].queue == queue:
        following = run_stage(ctx, following, app_id)
    return following


def _waiting_for(ctx: Context, app_id: int) -> str | None:
    with ctx.db.uow() as s:
        state = s.scalar(select(Application.state).where(Application.id == app_id))
    stage = BY_STATE.get(State(state)) if state else None
    return stage.name if stage else None


def run_stage(ctx: Context, stage_name: str, app_id: int) -> str | None:
    """Run a stage on an application; return the name of the next stage to send, if any.

    Raises the work's exception while attempts remain, so the queue retries it with backoff; a
    permanent fault (pipeline.errors) sends the application to `failed` at once, unretried.
    """
    stage = BY_NAME[stage_name]
    attempt = _claim(ctx, stage, app_id)
    if attempt is None:
        return None
    try:
        result = stage.work(ctx, app_id)
    except Exception as exc:
        log.exception("stage %s failed on application %s (attempt %s)", stage.name, app_id, attempt)
        if is_permanent(exc):  # retrying cannot mend it: failed now, the queue not asked again
            _fail(ctx, stage, app_id, f"“{stage.name}”阶段出错，重试无效：{type(exc).__name__}: {exc}")
            return None
        if attempt >= ctx.settings.stage_attempt_cap:
            _fail(ctx, stage, app_id, f"“{stage.name}”阶段连续{attempt}次出错：{type(exc).__name__}: {exc}")
            return None
        _release(ctx, stage, app_id)  # the queue's retry may claim it again
        raise
    return _finish(ctx, stage, app_id, result)


def _claim(ctx: Context, stage: Stage, app_id: int) -> int | None:
    now = ctx.clock.now()
    with ctx.db.uow(durable=False) as s:
        attempt = s.scalar(
            update(Application)
            .where(Application.id == app_id, Application.state == str(stage.takes),
                   or_(Application.lease_until.is_(None), Application.lease_until < now))
            .values(attempts=Application.attempts + 1,
                    lease_until=now + timedelta(seconds=ctx.settings.stage_lease_seconds))
            .returning(Application.attempts))
        if attempt is None:  # not waiting for this stage, or another worker runs it: a no-op
            return None
        s.commit()
    if attempt > ctx.settings.stage_attempt_cap:
        _fail(ctx, stage, app_id, f"“{stage.name}”阶段已尝试{attempt - 1}次仍未完成（可能导致处理进程退出）")
        return None
    return attempt


def _release(ctx: Context, stage: Stage, app_id: int) -> None:
    with ctx.db.uow(durable=False) as s:
        s.execute(update(Application)
                  .where(Application.id == app_id, Application.state == str(stage.takes))
                  .values(lease_until=None))
        s.commit()


def _fail(ctx: Context, stage: Stage, app_id: int, error: str) -> None:
    message = f"技术故障：{error}；请运维人员排查后执行 zhicheng retry {app_id}"
    with ctx.db.uow() as s:
        if move(s, app_id, stage.takes, State.FAILED, now=ctx.clock.now(), action="failed",
                reason=message, last_error=message, lease_until=None):
            s.commit()


def _finish(ctx: Context, stage: Stage, app_id: int, result: StageResult) -> str | None:
    now = ctx.clock.now()
    with ctx.db.uow(durable=False) as s:
        if not move(s, app_id, stage.takes, result.target, now=now, action=f"stage.{stage.name}",
                    reason=None if result.then else result.reason, attempts=0, last_error=None,
                    lease_until=None):
            return None  # another worker finished this stage first
        s.execute(delete(FindingRow).where(FindingRow.application_id == app_id,
                                           FindingRow.stage == stage.name))
        if result.findings:
            s.execute(insert(FindingRow), [
                dict(application_id=app_id, stage=stage.name, rule=f.rule, severity=str(f.level),
                     material=f.material, message=f.message, created_at=now)
                for f in result.findings])
        if result.then is not None:  # a pure decision on the result, in the same transaction
            move(s, app_id, result.target, result.then, now=now, action=f"stage.{stage.name}",
                 reason=result.reason)
        if result.application_updates:
            s.execute(update(Application).where(Application.id == app_id)
                      .values(**result.application_updates))
        if result.material_updates:  # one executemany, by primary key
            s.execute(update(Material), [{"id": material_id, **values} for material_id, values
                                         in result.material_updates.items()])
        s.commit()
    following = BY_STATE.get(result.then or result.target)
    return following.name if following else None
