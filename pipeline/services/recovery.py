"""Recovery: the queue is a hint, the database the truth. Re-send work that has not moved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.states import WAITING, State
from pipeline.stages import STAGES, Send, Stage, Stages
from pipeline.storage.db.models import Application, Event
from pipeline.storage.transitions import log_event, move


def resend_expired(ctx: Context, send: Send, *, stages: Stages = STAGES) -> list[int]:
    """Send again the work whose worker's lease ran out: that worker died (or its machine did).

    One compare-and-set UPDATE clears the expired leases, so two sweeps never both send; each
    application is sent to the stage it actually waits for, on that stage's own queue. The
    attempt was counted by the claim that took the lease: past the cap, the next claim fails it.
    """
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        rows = s.execute(update(Application)
                         .where(Application.state.in_(WAITING), Application.lease_until < now)
                         .values(lease_until=None, updated_at=now)
                         .returning(Application.id, Application.state)
                         .execution_options(synchronize_session=False)).all()
        _log_resent(s, rows, stages, now, "处理进程的租约已到期（进程可能已退出），重新发送")
        s.commit()
    return _send(rows, send, stages)


def resend_unclaimed(ctx: Context, send: Send, *, stages: Stages = STAGES) -> list[int]:
    """Send every application that waits at an automatic stage and that no worker holds.

    Only for a queue known to be empty (the embedded queue of this process, idle): then such
    work has no message (a crash before the queue took it, or a run that ended early).
    """
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.id, Application.state)
                         .where(Application.state.in_(WAITING),
                                or_(Application.lease_until.is_(None),
                                    Application.lease_until < now))
                         .order_by(Application.id)).all()
        _log_resent(s, rows, stages, now, "等待自动处理但队列中没有它的消息，重新发送")
        s.commit()
    return _send(rows, send, stages)


def _log_resent(s: Session, rows: Sequence[Any], stages: Stages, now: datetime, why: str) -> None:
    if rows:
        s.execute(insert(Event), [
            dict(application_id=i, subject="application", subject_id=str(i),
                 action="recovery.resent", actor="系统", created_at=now,
                 reason=f"{why}“{_stage(stages, state).name}”阶段") for i, state in rows])


def _stage(stages: Stages, state: str) -> Stage:
    stage = stages.waiting_in(state)
    assert stage is not None, state
    return stage


def _send(rows: Sequence[Any], send: Send, stages: Stages) -> list[int]:
    """After the commit (a message never precedes its row): one send per stage, in chunks."""
    by_stage: dict[str, list[int]] = defaultdict(list)
    for app_id, state in rows:
        by_stage[_stage(stages, state).name].append(app_id)
    for name, ids in by_stage.items():
        send(name, sorted(ids))
    return sorted(i for i, _ in rows)


def resend_stalled(ctx: Context, send: Send, older_than_seconds: int | None = None, *,
                   count_attempt: bool = True, stages: Stages = STAGES) -> dict[str, list[int]]:
    """Send again the work that has not moved at an automatic stage for the threshold.

    Work not touched for that long, whose lease (if any) has run out, lost its message: a crash
    before the queue took it, a worker killed with SIGKILL, a broker restarted without its
    queues. Each resend counts as an attempt (as each claim does); past the cap the application
    goes to `failed` with the reason, for `zhicheng retry` after a fix. A resend that finds the
    work already done is a no-op (the stages are idempotent). `count_attempt=False` re-sends
    without counting (the embedded `zhicheng worker` picking up what a previous run left).
    """
    seconds = ctx.settings.stuck_after_seconds if older_than_seconds is None else older_than_seconds
    now = ctx.clock.now()
    cutoff = now - timedelta(seconds=seconds)
    cap = ctx.settings.stage_attempt_cap
    resent: list[tuple[int, str]] = []
    failed: list[int] = []
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.id, Application.state)
                         .where(Application.state.in_(WAITING),
                                Application.updated_at <= cutoff,
                                or_(Application.lease_until.is_(None), Application.lease_until < now))
                         .order_by(Application.id)).all()
        for app_id, state in rows:
            attempts = s.scalar(
                update(Application)
                .where(Application.id == app_id, Application.state == state,
                       Application.updated_at <= cutoff,
                       or_(Application.lease_until.is_(None), Application.lease_until < now))
                .values(attempts=Application.attempts + (1 if count_attempt else 0), updated_at=now)
                .returning(Application.attempts))
            if attempts is None:  # moved meanwhile, or another sweep took it
                continue
            stage = _stage(stages, state)
            if count_attempt and attempts > cap:
                reason = (f"技术故障：“{stage.name}”阶段已尝试{attempts - 1}次仍未完成"
                          f"（消息丢失或处理进程退出；请检查“{stage.queue}”队列的工作进程），"
                          f"排查后执行 zhicheng retry {app_id}")
                move(s, app_id, state, State.FAILED, now=now, action="failed", reason=reason,
                     last_error=reason, lease_until=None)
                failed.append(app_id)
            else:
                log_event(s, now=now, subject="application", subject_id=app_id,
                          action="recovery.resent", application_id=app_id,
                          reason=f"“{stage.name}”阶段超过{seconds}秒未推进，重新发送（第{attempts}次尝试）")
                resent.append((app_id, stage.name))
        s.commit()
    _send([(i, str(stages.named(name).takes)) for i, name in resent], send, stages)
    return {"resent": [i for i, _ in resent], "failed": failed}


def retry_failed(ctx: Context, send: Send, app_ids: list[int] | None = None,
                 actor: str = "运维人员", *, stages: Stages = STAGES) -> list[int]:
    """Start failed applications again from the first stage (after an operator's fix)."""
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        q = select(Application.id).where(Application.state == str(State.FAILED))
        if app_ids:
            q = q.where(Application.id.in_(app_ids))
        ids = list(s.scalars(q.order_by(Application.id)))
        moved = [i for i in ids if move(s, i, State.FAILED, State.RECEIVED, now=now, actor=actor,
                                        action="retry", reason="运维人员重新提交处理",
                                        attempts=0, last_error=None, lease_until=None)]
        s.commit()
    if moved:
        send(stages.first.name, moved)
    return moved
