"""Review queues and decisions (所在单位初审, 主管单位审核, 中心形式审查).

A decision is one transaction: the Review row, the state's compare-and-set and its event. Two
reviewers deciding the same application at once: the second finds it moved and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.storage.db.models import Application, FindingRow, Review
from pipeline.services.errors import WorkflowError
from pipeline.services.history import log_event, move
from pipeline.services.queries import REVIEW_QUEUES, NotFound, list_applications
from pipeline.services.units import superior, unit_name
from pipeline.domain.states import LABELS, State

STAGE_LABELS = {"unit": "所在单位初审", "supervisor": "主管单位审核", "center": "中心形式审查"}
DECISIONS = {"pass": "审核通过", "return": "退回", "reject": "审核不通过"}
STAGE_OF_STATE = {state: stage for stage, state in REVIEW_QUEUES.items()}
OFFLINE_RESULTS = ("通过", "未通过")
CENTER_FINDINGS = "center"   # the findings stage written on entering the center's review


@dataclass(frozen=True)
class Decision:
    application_id: int
    stage: str
    decision: str                   # what was recorded (a refused pass is recorded as reject)
    state: State                    # where the application went
    review_id: int
    refused: str | None = None      # why a pass was refused, when it was


def review_queue(ctx: Context, stage: str, unit: str | None = None) -> list[dict[str, Any]]:
    """A review queue's applications with their findings, oldest first (CONTRACTS §5)."""
    if stage not in REVIEW_QUEUES:
        raise WorkflowError(f"审核环节“{stage}”无效，应为：unit（所在单位初审）、supervisor（主管单位审核）"
                            "或 center（中心形式审查）")
    if stage == "center":  # one queue for the whole province; --unit narrows it to a unit's
        return list_applications(ctx, state=str(REVIEW_QUEUES[stage]), unit=unit)
    return list_applications(ctx, state=str(REVIEW_QUEUES[stage]), review_unit=unit)


def decide(ctx: Context, app_id: int, decision: str, opinion: str = "", *, reviewer: str = "",
           stage: str | None = None, unit: str | None = None) -> Decision:
    """Record a reviewer's decision on an application waiting in a review queue."""
    opinion = (opinion or "").strip()
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
        refused = None
        if decision == "pass" and at == "center":
            refused = _offline_refusal(app)
        reviewer_unit = app.review_unit_code
        if refused and app.offline_review == "未通过":
            # CONTRACTS §3 offline_review.not_passed: cannot pass; rejected with that reason.
            decision = "reject"
            opinion = f"{opinion}（{refused}）" if opinion else refused
            add_center_findings(s, [app_id], now)
        elif refused:
            raise WorkflowError(refused)
        target, values = _target(s, app, at, decision)
        review = Review(application_id=app_id, stage=at, reviewer_unit=reviewer_unit,
                        decision=decision, opinion=opinion, reviewer=reviewer, created_at=now)
        s.add(review)
        s.flush()
        reason = f"{STAGE_LABELS[at]}：{DECISIONS[decision]}" + (f"。审核意见：{opinion}" if opinion else "")
        if not move(s, app_id, current, target, now=now, actor=reviewer or "审核人员",
                    action=f"review.{decision}", reason=reason, **values):
            s.rollback()
            raise WorkflowError(f"申报{app_id}刚刚已被他人处理，请刷新审核队列后再试")
        if target is State.CENTER_REVIEW:
            add_center_findings(s, [app_id], now)
        s.commit()
        return Decision(app_id, at, decision, target, review.id, refused)


def _offline_refusal(app: Application) -> str | None:
    if app.offline_review == "通过":
        return None
    if app.offline_review == "未通过":
        return "线下形式审查未通过，网上形式审查不能审核通过，已按审核不通过处理（offline_review.not_passed）"
    return ("线下形式审查结果尚未登记，不能审核通过：请先用 zhicheng review offline "
            f"{app.id} --result 通过|未通过 登记线下形式审查结果")


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
        return State.SUPERVISOR_REVIEW, {"review_unit_code": above}
    return State.CENTER_REVIEW, {}


def record_offline_review(ctx: Context, app_id: int, result: str, *, reviewer: str = "") -> None:
    """The center's window records the offline formal review (线下形式审查) of an application."""
    if result not in OFFLINE_RESULTS:
        raise WorkflowError(f"线下形式审查结果“{result}”无效，应为“通过”或“未通过”")
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise NotFound(f"申报{app_id}不存在")
        before = app.offline_review or "未登记"
        app.offline_review, app.updated_at = result, now
        log_event(s, now=now, subject="application", subject_id=app_id, action="offline_review",
                  actor=reviewer or "审核人员", application_id=app_id,
                  reason=f"线下形式审查：{before} → {result}")
        if app.state == str(State.CENTER_REVIEW):
            add_center_findings(s, [app_id], now)
        s.commit()


def add_center_findings(s: Session, app_ids: Iterable[int], now: datetime) -> None:
    """On entering the center's review: flag the offline formal review (set-based SQL)."""
    ids = list(app_ids)
    if not ids:
        return
    s.execute(delete(FindingRow).where(FindingRow.application_id.in_(ids),
                                       FindingRow.stage == CENTER_FINDINGS))
    flags = (
        ("offline_review.not_passed", "block", Application.offline_review == "未通过",
         "线下形式审查未通过：按规定不能通过网上形式审查，中心审核时应作审核不通过处理"),
        ("offline_review.pending", "warn",
         Application.offline_review.is_(None) | (Application.offline_review == ""),
         "线下形式审查结果尚未登记：请中心窗口先登记线下形式审查结果，再作网上形式审查决定"),
    )
    for rule, severity, condition, message in flags:
        s.execute(insert(FindingRow).from_select(
            ["application_id", "stage", "rule", "severity", "material", "message", "created_at"],
            select(Application.id, literal(CENTER_FINDINGS), literal(rule), literal(severity),
                   literal(None), literal(message), literal(now))
            .where(Application.id.in_(ids), condition)))

