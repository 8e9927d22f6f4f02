"""Routing: a pure function of the findings decides returned or the unit's review queue."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.context import Context
from pipeline.db.models import FindingRow
from pipeline.findings import Finding, Severity, route
from pipeline.stages import StageResult
from pipeline.states import State


def work(ctx: Context, app_id: int) -> StageResult:
    """Route on every finding the earlier stages stored."""
    with ctx.db.uow() as s:
        rows = s.execute(select(FindingRow.rule, FindingRow.severity, FindingRow.message,
                                FindingRow.material)
                         .where(FindingRow.application_id == app_id)
                         .order_by(FindingRow.id)).all()
    findings = [Finding(r.rule, r.message, r.material, Severity(r.severity)) for r in rows]
    target = route(findings)
    reason = None
    if target is State.RETURNED:
        blocks = [f.message for f in findings if f.level is Severity.BLOCK]
        reason = "；".join(f"{i}. {m}" for i, m in enumerate(blocks, 1))
    else:
        warns = sum(1 for f in findings if f.level is Severity.WARN)
        reason = f"进入所在单位初审，提示{warns}项" if warns else "进入所在单位初审"
    return StageResult(target, [], {}, reason)
