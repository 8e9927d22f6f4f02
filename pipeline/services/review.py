"""Review queues and decisions (所在单位初审, 主管单位审核, 中心形式审查).

A decision is one transaction: the Review row, the state's compare-and-set and its event. Two
reviewers deciding the same application at once: the second finds it moved and is refused. A
refused decision changes nothing (docs/workflow.md): the center's pass needs the center's own
offline review result (`offline_review.py`), and a 未通过 is rejected only by an explicit reject.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import DECISION_LABELS, STAGE_LABELS, OfflineResult, UnitStatus
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import REVIEW_QUEUES, NotFound, list_applications
from pipeline.services.units import superior, unit_name
from pipeline.storage.db.models import Application, FindingRow, Review, Unit
from pipeline.storage.transitions import move

DECISIONS = DECISION_LABELS
STAGE_OF_STATE = {state: stage for stage, state in REVIEW_QUEUES.items()}
OFFLINE_RESULTS = tuple(str(r) for r in OfflineResult)
CENTER_FINDINGS = "center"   # the findings stage written on entering the center's review
REVIEWER = "审核人员"


@dataclass(frozen=True)
class Decision:
    application_id: int
    stage: str
    decision: str                   # what was recorded
    state: State                    # where the application went
    review_id: int
    refused: str | None = None      # kept for the JSON shape: a refusal now raises, changing nothing


def review_queue(ctx: Context, stage: str, unit: str | None = None) -> list[dict[str, Any]]:
    """A review queue's applications with their findings, oldest first."""
    if stage not in REVIEW_QUEUES:
        raise WorkflowError(f"审核环节“{stage}”无效，应为：unit（所在单位初审）、supervisor（主管单位审核）"
                            "或 center（中心形式审查）")
    if unit:
        with ctx.db.uow() as s:
            if s.get(Unit, unit.strip().upper()) is None:
                raise NotFound(f"单位{unit.strip().upper()}未登记：请核对统一社会信用代码"
                               "（zhicheng units list 可查看已登记的单位）")
        unit = unit.strip().upper()
    if stage == "center":  # one queue for the whole province; --unit narrows it to a unit's
        return list_applications(ctx, state=str(REVIEW_QUEUES[stage]), unit=unit)
    return list_applications(ctx, state=str(REVIEW_QUEUES[stage]), review_unit=unit)


def decide(ctx: Context, app_id: int, decision: str, opinion: str = "", *, by: str = "",
           reviewer: str = "", stage: str | None = None, unit: str | None = None) -> Decision:
    """Record a reviewer's decision (`by`, or its older name `reviewer`); a refusal changes nothing."""
    opinion = (opinion or "").strip()
    reviewer = (by or reviewer or "").strip()
    if decision not in DECISIONS:
        raise WorkflowError(f"审核决定“{decision}”无效，应为：pass（审核通过）、return（退回）或 reject（审核不通过）")
    if decision != "pass" and not opinion:
        raise WorkflowError(f"{DECISIONS[decision]}必须填写审核意见（--opinion），说明理由")
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise NotFound(f"申报{app_id}不存在")
        current = State(app.state)
        at = STAGE_OF_STATE.get(current)
        if at is None or (stage is not None and stage != at):
            wanted = STAGE_LABELS.get(stage or "", "审核")
            raise WorkflowError(f"申报{app_id}（{app.name}）当前状态为“{LABELS[current]}”，不在{wanted}环节，"
                                "不能作出审核决定")
        if unit and at != "center" and unit.upper() != app.review_unit_code:
            raise WorkflowError(f"申报{app_id}（{app.name}）在“{unit_name(s, app.review_unit_code)}”的"
                                f"{STAGE_LABELS[at]}队列中，单位{unit.upper()}不能对其作出决定")
        if decision == "pass" and at == "center":
            refused = _offline_refusal(app)
            if refused:
                raise WorkflowError(refused)
        reviewer_unit = app.review_unit_code
        target, values = _target(s, app, at, decision)
        review = Review(application_id=app_id, stage=at, reviewer_unit=reviewer_unit,
                        decision=decision, opinion=opinion, reviewer=reviewer, created_at=now)
        s.add(review)
        s.flush()
        reason = f"{STAGE_LABELS[at]}：{DECISIONS[decision]}" + (f"。审核意见：{opinion}" if opinion else "")
        if not move(s, app_id, current, target, now=now, actor=reviewer or REVIEWER,
                    action=f"review.{decision}", reason=reason, **values):
            s.rollback()
            raise WorkflowError(f"申报{app_id}刚刚已被他人处理，请刷新审核队列后再试")
        if target is State.CENTER_REVIEW:
            add_center_findings(s, [app_id], now)
        s.commit()
        return Decision(app_id, at, decision, target, review.id)


def _offline_refusal(app: Application) -> str | None:
    """Why the center cannot pass this application now (its own offline review), or None."""
    if app.offline_result == OfflineResult.PASSED:
        return None
    if app.offline_result == OfflineResult.NOT_PASSED:
        return (f"申报{app.id}（{app.name}）线下形式审查未通过（{app.offline_result_by or '中心'}登记），"
                "网上形式审查不能审核通过；申报未作任何变更。如确认不通过，请执行："
                f"zhicheng review decide {app.id} --decision reject --opinion \"线下形式审查未通过\"")
    declared = f"（单位申报：{app.offline_review}）" if app.offline_review else ""
    return (f"申报{app.id}（{app.name}）的线下形式审查结果尚未由中心登记{declared}，不能审核通过；"
            f"申报未作任何变更。请先执行 zhicheng review offline {app.id} --result 通过|未通过 --by 姓名")


def _target(s: Session, app: Application, stage: str, decision: str) -> tuple[State, dict[str, object]]:
    if decision == "return":
        return State.RETURNED, {}
    if decision == "reject":
        return State.REJECTED, {}
    if stage == "unit":
        return State.UNIT_PASSED, {}
    if stage == "center":
        return State.CENTER_PASSED, {}
    return next_reviewer(s, app.review_unit_code)


def next_reviewer(s: Session, below: str | None) -> tuple[State, dict[str, object]]:
    """Who reviews after unit `below`: its superior as a supervising unit, else the center."""
    above = superior(s, below) if below else None
    if above:
        status = s.scalar(select(Unit.status).where(Unit.code == above))
        if status != UnitStatus.APPROVED:
            raise WorkflowError(f"上级单位“{unit_name(s, above)}”（{above}）的注册尚未审核通过"
                                f"（{status or '未注册'}），申报不能报送上级；申报未作任何变更")
        return State.SUPERVISOR_REVIEW, {"review_unit_code": above}
    return State.CENTER_REVIEW, {}


def add_center_findings(s: Session, app_ids: Iterable[int], now: datetime) -> None:
    """On entering the center's review: flag the offline formal review (set-based SQL)."""
    ids = list(app_ids)
    if not ids:
        return
    s.execute(delete(FindingRow).where(FindingRow.application_id.in_(ids),
                                       FindingRow.stage == CENTER_FINDINGS))
    flags = (
        ("offline_review.not_passed", "block", Application.offline_result == OfflineResult.NOT_PASSED,
         "中心登记的线下形式审查结果为未通过：按规定不能通过网上形式审查，如确认应作审核不通过"),
        ("offline_review.pending", "warn",
         Application.offline_result.is_(None) | (Application.offline_result == ""),
         "线下形式审查结果尚未由中心登记（花名册所填仅为单位申报）：请中心窗口先登记，再作网上形式审查决定"),
    )
    for rule, severity, condition, message in flags:
        s.execute(insert(FindingRow).from_select(
            ["application_id", "stage", "rule", "severity", "material", "message", "created_at"],
            select(Application.id, literal(CENTER_FINDINGS), literal(rule), literal(severity),
                   literal(None), literal(message), literal(now))
            .where(Application.id.in_(ids), condition)))

