"""The words a person reads: one Chinese label for every code (docs/workflow.md).

Codes (rule codes, event actions, decisions, stages) stay in `--json` and the database; every
text a person reads (CLI text output, packets, review sheets, rosters) takes its label from here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pipeline.domain.states import LABELS as STATE_LABELS
from pipeline.domain.states import State

CENTER = "湖南省人力资源服务中心"    # the one name of the center in every text
CHINA = timedelta(hours=8)          # stored times are naive UTC; people read China time


class ReviewStage(StrEnum):
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    CENTER = "center"


class Decision(StrEnum):
    PASS = "pass"
    RETURN = "return"
    REJECT = "reject"


class Change(StrEnum):
    ADDED = "added"
    REPLACED = "replaced"
    REMOVED = "removed"
    CHANGED = "changed"


class OfflineResult(StrEnum):
    PASSED = "通过"
    NOT_PASSED = "未通过"


# The statuses below are stored as these strings (the database and JSON keep them as they are).

class UnitStatus(StrEnum):
    """A unit's registration (注册状态)."""

    PENDING = "待审核"
    APPROVED = "已审核"
    REFUSED = "未通过"


class UnitKind(StrEnum):
    """单位性质 (docs/reference.md §1b)."""

    ORGAN = "机关"
    INSTITUTION = "事业单位"
    STATE_OWNED = "国有企业"
    PRIVATE = "非公企业"
    SOCIAL = "社会组织"


class Approver(StrEnum):
    """Who approves a unit's applications first above it (审核单位)."""

    AUTHORITY = "主管机构"
    SUPERVISOR = "主管单位"


class BatchStatus(StrEnum):
    IMPORTING = "importing"
    IMPORTED = "imported"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"   # its importer was killed


class PublicityState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PublicityResult(StrEnum):
    """A publicity entry's proposal at the closing, and its result once the unit confirms."""

    PASSED = "passed"
    FAILED = "failed"
    HELD = "held"                 # a proposal only: an objection is still open


class Resolution(StrEnum):
    """An objection's resolution (None while it is open)."""

    UPHELD = "upheld"             # 成立: the applicant fails the publicity
    DISMISSED = "dismissed"       # 不成立


class Role(StrEnum):
    """A console account's role."""

    UNIT_CLERK = "unit_clerk"
    CENTER_REVIEWER = "center_reviewer"
    CENTER_ADMIN = "center_admin"


# Keyed by the plain code strings (click's Choice and JSON take them as they are).
STAGE_LABELS: dict[str, str] = {
    ReviewStage.UNIT.value: "所在单位初审", ReviewStage.SUPERVISOR.value: "主管单位审核",
    ReviewStage.CENTER.value: "中心形式审查"}
DECISION_LABELS: dict[str, str] = {
    Decision.PASS.value: "审核通过", Decision.RETURN.value: "退回",
    Decision.REJECT.value: "审核不通过"}
CHANGE_LABELS: dict[str, str] = {
    Change.ADDED.value: "新增", Change.REPLACED.value: "替换", Change.REMOVED.value: "删除",
    Change.CHANGED.value: "修改"}

RULE_LABELS: dict[str, str] = {
    "roster.invalid": "花名册信息有误", "id_number.invalid": "身份证号有误",
    "phone.invalid": "手机号码有误", "gender.mismatch": "性别与身份证号不符",
    "unit.unregistered": "单位未注册", "unit.not_approved": "单位注册未审核通过",
    "unit.name_mismatch": "单位名称与注册信息不符", "material.missing": "缺少必备材料",
    "material.unknown_name": "材料名称无法识别", "material.bad_type": "材料文件类型不符",
    "material.too_large": "材料文件过大", "material.unreadable": "材料文件无法打开",
    "material.wrong_form": "材料形式不符", "material.duplicate": "材料重复",
    "application.duplicate": "同一年度重复申报", "ocr.unreadable": "证书无法识别",
    "ocr.name_mismatch": "证书姓名与花名册不符", "ocr.id_mismatch": "证书身份证号与花名册不符",
    "tenure.insufficient": "任职年限不足", "ce_hours.insufficient": "继续教育学时不足",
    "offline_review.not_passed": "线下形式审查未通过", "offline_review.pending": "线下形式审查未登记",
    "report.too_short": "述职报告字数不足", "report.unverified": "述职报告字数无法核实",
    "date.after_cutoff": "日期晚于截止日", "age.over_limit": "年龄超过规定",
    "path.relaxed": "破格/绿色通道申报（需核实）", "rules.unavailable": "该年度规则未发布",
    "text.control_chars": "含不可见控制字符（已删除）",
}
# Rules whose finding a reviewer must verify by hand even when nothing blocks (需核实).
TO_VERIFY: frozenset[str] = frozenset({"path.relaxed"})

EVENT_LABELS: dict[str, str] = {
    "received": "接收申报", "resubmitted": "重新提交", "batch.received": "接收批次",
    "seeded": "导入", "transition": "状态变更", "failed": "技术故障", "retry": "重新处理",
    "recovery.resent": "重新发送停滞的处理",
    "stage.normalize": "自动处理：规范化", "stage.extract": "自动处理：证书识别",
    "stage.check": "自动检查",
    "review.pass": "审核通过", "review.return": "退回", "review.reject": "审核不通过",
    "offline_review": "登记线下形式审查结果",
    "publicity.open": "开始公示", "publicity.backdated": "补登过去日期的公示",
    "publicity.objection": "登记异议", "publicity.objection_resolved": "处理异议",
    "publicity.close": "公示期满关闭", "publicity.close_forced": "按指定日期关闭公示",
    "publicity.held": "公示异议待处理", "publicity.proposed": "拟定公示结果",
    "publicity.confirm": "单位确认公示结果", "publicity.reopen": "中心重新开启公示",
    "recommend": "推荐上报", "recommend.forward": "报送上级审核", "recommend.build": "生成推荐上报批次",
    "withdrawn": "撤回申报",
    "unit.registered": "单位注册", "unit.updated": "单位信息变更", "unit.status": "单位注册审核",
    "unit.link": "设置上级单位", "unit.refused": "单位注册未通过",
    "token.issued": "发放接口令牌", "token.revoked": "吊销接口令牌",
    "job.forced": "按指定日期运行定时任务",
    "intake.blocked": "导入时即退回（单位问题）", "recheck": "重新检查",
    "user.added": "新增账号", "user.disabled": "停用账号", "user.enabled": "启用账号",
    "user.password_reset": "重置密码",
}
JOB_LABELS: dict[str, str] = {
    "close-publicities": "关闭到期公示", "build-recommendations": "自动推荐上报",
    "recover-stuck": "重新发送停滞的处理"}
PROPOSAL_LABELS: dict[str | None, str] = {
    PublicityResult.PASSED: "拟通过（待确认）", PublicityResult.FAILED: "拟不通过（待确认）",
    PublicityResult.HELD: "异议待处理", None: ""}
RESULT_LABELS: dict[str | None, str] = {PublicityResult.PASSED: "通过", PublicityResult.FAILED: "未通过", None: ""}
PUBLICITY_STATE_LABELS: dict[str, str] = {PublicityState.OPEN: "公示中", PublicityState.CLOSED: "已结束"}


def state_label(state: str | None) -> str:
    """The Chinese name of a state code (the code itself if unknown)."""
    if not state:
        return ""
    try:
        return STATE_LABELS[State(state)]
    except ValueError:
        return state


def rule_label(rule: str) -> str:
    """The Chinese name of a rule code."""
    return RULE_LABELS.get(rule, "审核提示")


def event_label(action: str) -> str:
    """The Chinese name of an event action."""
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    return "自动处理" if action.startswith("stage.") else "处理"


def cn_date(value: date | datetime | None) -> str:
    """2026年12月3日 (a datetime is taken as stored: naive UTC, shown in China)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value + CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_time(value: datetime | None) -> str:
    """2026年12月3日 12:03 in China time, for text output (never an ISO `T` stamp)."""
    if value is None:
        return ""
    local = value + CHINA
    return f"{cn_date(local.date())} {local:%H:%M}"
