"""Recovery: the queue is a hint, the database the truth. Re-send work that has not moved."""

from __future__ import annotations

from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from pipeline.context import Context
from pipeline.db.models import Application
from pipeline.services.history import move
from pipeline.stages import BY_STATE
from pipeline.states import AUTOMATIC, State

Send = Callable[[str, int], None]


def resend_stalled(ctx: Context, send: Send, older_than_seconds: int | None = None) -> int:
    """Send again every application waiting at an automatic stage longer than the threshold."""
    seconds = ctx.settings.stuck_after_seconds if older_than_seconds is None else older_than_seconds
    cutoff = ctx.clock.now() - timedelta(seconds=seconds)
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.id, Application.state)
                         .where(Application.state.in_([str(x) for x in AUTOMATIC]),
                                Application.state_changed_at <= cutoff)
                         .order_by(Application.id)).all()
    for app_id, state in rows:
        send(BY_STATE[State(state)].name, app_id)
    return len(rows)


def retry_failed(ctx: Context, send: Send, app_ids: list[int] | None = None,
                 actor: str = "运维人员") -> list[int]:
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
    for app_id in moved:
        send(BY_STATE[State.RECEIVED].name, app_id)
    return moved
