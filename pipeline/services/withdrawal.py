"""Withdrawal (撤回): the unit or an operator takes back an application not yet decided above it.

`withdrawn` is terminal for the workflow; the application no longer counts against the
one-application-per-year rule, and a corrected import of the same application starts it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.context import Context
from pipeline.domain.states import LABELS, WITHDRAWABLE, State
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.storage.db.models import Application
from pipeline.storage.transitions import move


@dataclass(frozen=True)
class Withdrawn:
    application_id: int
    previous: State


def withdraw(ctx: Context, app_id: int, reason: str, *, by: str,
             unit: str | None = None) -> Withdrawn:
    """Withdraw an application; `unit` limits it to that unit's own applications (else 404)."""
    reason, actor = (reason or "").strip(), (by or "").strip()
    if not reason:
        raise WorkflowError("撤回申报必须用 --reason 说明原因")
    if not actor:
        raise WorkflowError("请用 --by 填写操作人员姓名")
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None or (unit and app.unit_code != unit.strip().upper()):
            raise NotFound(f"申报{app_id}不存在")
        current = State(app.state)
        if current is State.WITHDRAWN:
            raise WorkflowError(f"申报{app_id}（{app.name}）已撤回")
        if current not in WITHDRAWABLE:
            raise WorkflowError(f"申报{app_id}（{app.name}）当前为“{LABELS[current]}”，已由上级审核或已结束，"
                                "不能撤回；如有错误请联系上级审核单位退回")
        if not move(s, app_id, current, State.WITHDRAWN, now=now, actor=actor, action="withdrawn",
                    reason=f"撤回申报：{reason}", lease_until=None):
            s.rollback()
            raise WorkflowError(f"申报{app_id}刚刚已被其他操作变更，请刷新后再试")
        s.commit()
        return Withdrawn(app_id, current)
