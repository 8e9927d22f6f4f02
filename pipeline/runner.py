"""Running one stage on one application: idempotent, counted, compare-and-set.

1. claim: if the application is not (any more) in the state the stage takes, do nothing: a
   redelivered or duplicated message is a no-op. Otherwise count the attempt and commit, so a
   message that kills its worker is still counted; past the cap the application goes to `failed`.
2. work: the slow part, outside any transaction.
3. finish: move the state with a compare-and-set and, in the same transaction, replace the
   stage's findings and store its results. If another worker finished first, roll back.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, update

from pipeline.context import Context
from pipeline.db.models import Application, FindingRow, Material
from pipeline.services.history import move
from pipeline.stages import BY_NAME, BY_STATE, Stage, StageResult
from pipeline.states import State

log = logging.getLogger(__name__)


def run_stage(ctx: Context, stage_name: str, app_id: int) -> str | None:
    """Run a stage on an application; return the name of the next stage to send, if any.

    Raises the work's exception while attempts remain, so the queue retries it with backoff.
    """
    stage = BY_NAME[stage_name]
    attempt = _claim(ctx, stage, app_id)
    if attempt is None:
        return None
    try:
        result = stage.work(ctx, app_id)
    except Exception as exc:
        log.exception("stage %s failed on application %s (attempt %s)", stage.name, app_id, attempt)
        if attempt >= ctx.settings.stage_attempt_cap:
            _fail(ctx, stage, app_id, f"“{stage.name}”阶段连续{attempt}次出错：{type(exc).__name__}: {exc}")
            return None
        raise
    return _finish(ctx, stage, app_id, result)


def _claim(ctx: Context, stage: Stage, app_id: int) -> int | None:
    with ctx.db.uow() as s:
        attempt = s.scalar(update(Application)
                           .where(Application.id == app_id, Application.state == str(stage.takes))
                           .values(attempts=Application.attempts + 1)
                           .returning(Application.attempts))
        if attempt is None:  # not (any more) waiting for this stage: a no-op
            return None
        s.commit()
    if attempt > ctx.settings.stage_attempt_cap:
        _fail(ctx, stage, app_id, f"“{stage.name}”阶段已尝试{attempt - 1}次仍未完成（可能导致处理进程退出）")
        return None
    return attempt


def _fail(ctx: Context, stage: Stage, app_id: int, error: str) -> None:
    message = f"技术故障：{error}；请运维人员排查后执行 zhicheng retry {app_id}"
    with ctx.db.uow() as s:
        if move(s, app_id, stage.takes, State.FAILED, now=ctx.clock.now(), action="failed",
                reason=message, last_error=message):
            s.commit()


def _finish(ctx: Context, stage: Stage, app_id: int, result: StageResult) -> str | None:
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        if not move(s, app_id, stage.takes, result.target, now=now, action=f"stage.{stage.name}",
                    reason=None if result.then else result.reason, attempts=0, last_error=None):
            return None  # another worker finished this stage first
        s.execute(delete(FindingRow).where(FindingRow.application_id == app_id,
                                           FindingRow.stage == stage.name))
        s.add_all(FindingRow(application_id=app_id, stage=stage.name, rule=f.rule,
                             severity=str(f.level), material=f.material, message=f.message,
                             created_at=now) for f in result.findings)
        if result.then is not None:  # a pure decision on the result, in the same transaction
            move(s, app_id, result.target, result.then, now=now, action=f"stage.{stage.name}",
                 reason=result.reason)
        if result.material_updates:  # one executemany, by primary key
            s.execute(update(Material), [{"id": material_id, **values} for material_id, values
                                         in result.material_updates.items()])
        s.commit()
    following = BY_STATE.get(result.then or result.target)
    return following.name if following else None
