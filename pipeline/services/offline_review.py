"""The center's own record of the offline formal review (线下形式审查), one by one or from a list.

The roster's 线下形式审查 column is only the unit's declaration (`Application.offline_review`);
the center's window records its own finding here (`offline_result`, who, when). A bulk list
(身份证号 / 姓名 / 结果) is applied row by row: a bad row is reported in Chinese and changes
nothing, the good rows are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.problems import Problem
from pipeline.domain.states import State
from pipeline.domain.vocabulary import OfflineResult
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.services.review import add_center_findings
from pipeline.storage.db.models import Application
from pipeline.storage.transitions import log_event

RESULTS = tuple(str(r) for r in OfflineResult)
SYNONYMS = {"已通过": "通过", "合格": "通过", "不通过": "未通过", "不合格": "未通过"}
COLUMNS = {"身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
           "姓名": "name", "结果": "result", "线下形式审查结果": "result", "审查结果": "result",
           "线下形式审查": "result", "申报编号": "app_id"}
# An application in one of these no longer takes an offline review result.
CLOSED = {str(s) for s in (State.WITHDRAWN, State.REJECTED, State.CENTER_PASSED,
                           State.PUBLICITY_FAILED)}
CENTER_WINDOW = "中心窗口"


@dataclass
class OfflineImport:
    """What a bulk list did: applied (application id, result) and the refused rows."""

    applied: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _result(value: object) -> str:
    text = "".join(str(value or "").split())
    text = SYNONYMS.get(text, text)
    if text not in RESULTS:
        raise WorkflowError(f"线下形式审查结果“{value}”无效，应为“通过”或“未通过”")
    return text


def _apply(s: Session, app: Application, result: str, by: str, now: datetime) -> None:
    before = app.offline_result or "未登记"
    app.offline_result, app.offline_result_by, app.offline_result_at = result, by, now
    app.updated_at = now
    declared = f"；单位申报为“{app.offline_review}”" if app.offline_review else ""
    log_event(s, now=now, subject="application", subject_id=app.id, action="offline_review",
              actor=by, application_id=app.id,
              reason=f"中心登记线下形式审查：{before} → {result}{declared}")
    if app.state == str(State.CENTER_REVIEW):
        add_center_findings(s, [app.id], now)


def record_offline_review(ctx: Context, app_id: int, result: str, *, by: str = "",
                          reviewer: str = "") -> None:
    """The center's window records the offline formal review of one application."""
    result = _result(result)
    actor = (by or reviewer).strip() or CENTER_WINDOW
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise NotFound(f"申报{app_id}不存在")
        if app.state in CLOSED:
            raise WorkflowError(f"申报{app_id}（{app.name}）已结束，不能再登记线下形式审查结果")
        _apply(s, app, result, actor, now)
        s.commit()


def record_offline_list(ctx: Context, rows: list[tuple[int, dict[str, object]]], *,
                        by: str) -> OfflineImport:
    """Apply a list of (line, {id_number, name, result}) rows; each bad row is refused alone."""
    actor = by.strip() or CENTER_WINDOW
    out = OfflineImport()
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        for line, raw in rows:
            where = f"第{line}行："
            try:
                result = _result(raw.get("result"))
                app = _find(s, raw)
            except WorkflowError as exc:
                out.problems.append(Problem("offline.row", f"{where}{exc}，该行未登记", str(line)))
                continue
            _apply(s, app, result, actor, now)
            out.applied.append((app.id, result))
        s.commit()
    return out


def _find(s: Session, raw: dict[str, object]) -> Application:
    """The one open application of the person this row names (ID number, name checked)."""
    id_number = "".join(str(raw.get("id_number") or "").split()).upper()
    name = "".join(str(raw.get("name") or "").split())
    if not id_number:
        raise WorkflowError("缺少身份证号")
    if not name:
        raise WorkflowError("缺少姓名")
    apps = [a for a in s.scalars(select(Application).where(Application.id_number == id_number)
                                 .order_by(Application.id)) if a.state not in CLOSED]
    if not apps:
        raise WorkflowError(f"没有身份证号为{id_number}的在办申报")
    if len(apps) > 1:
        ids = "、".join(str(a.id) for a in apps)
        raise WorkflowError(f"身份证号{id_number}有多份在办申报（{ids}），请用 zhicheng review offline "
                            "申报编号 逐份登记")
    if apps[0].name != name:
        raise WorkflowError(f"姓名“{name}”与申报{apps[0].id}的姓名“{apps[0].name}”不一致")
    return apps[0]
