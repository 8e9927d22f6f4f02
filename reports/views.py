"""View-models for the reports: plain dataclasses built from the database, never ORM rows.

Every builder opens its own short unit of work, copies what the templates need into frozen
dataclasses and closes it; rendering (slow) happens outside any transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.findings import SEVERITY_LABELS, Severity
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import (
    CHANGE_LABELS,
    DECISION_LABELS,
    STAGE_LABELS,
    cn_date,
    cn_time,
    event_label,
    rule_label,
)
from pipeline.rules.readings import UNSURE, FieldJudgement
from pipeline.services.queries import NotFound
from pipeline.storage.db.models import Application, Event, Review, Unit
from reports.material_views import MaterialView, packet_materials

FIELD_LABELS = {
    "name": "姓名", "id_number": "身份证号", "gender": "性别", "phone": "手机号码",
    "unit_code": "单位统一社会信用代码", "unit_name": "单位名称", "year": "申报年度",
    "series": "申报系列", "specialty": "申报专业", "level": "申报级别", "title_name": "申报资格名称",
    "current_title": "现职称", "current_title_date": "现职称取得时间", "education": "最高学历",
    "degree": "最高学位", "school": "毕业院校", "graduation_date": "毕业时间",
    "work_start_date": "参加工作时间", "ce_hours": "继续教育学时", "ce_public_hours": "公需科目学时",
    "ce_professional_hours": "专业科目学时", "path": "申报途径", "offline_review": "线下形式审查",
}
SEVERITY_ORDER = (Severity.BLOCK, Severity.WARN, Severity.INFO)


def state_label(state: str) -> str:
    try:
        return LABELS[State(state)]
    except ValueError:
        return state


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, datetime):
        return cn_time(value)
    if isinstance(value, date):
        return cn_date(value)
    return str(value)


# --- the application packet -----------------------------------------------------------------------

@dataclass(frozen=True)
class FindingView:
    severity: str
    rule: str
    material: str
    message: str

    @property
    def label(self) -> str:
        """The rule's Chinese name (codes are never printed)."""
        return rule_label(self.rule)


@dataclass(frozen=True)
class FindingGroup:
    severity: str
    label: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class Comparison:
    """One field read from a certificate beside what the roster declares, as the check stage
    judged it (agree / differs / unsure / read; see pipeline.rules.readings)."""

    material: str
    label: str
    declared: str
    read: str
    differs: bool
    status: str = "read"
    status_label: str = "—"


@dataclass(frozen=True)
class ReviewView:
    at: str
    stage: str
    decision: str
    opinion: str
    reviewer: str


@dataclass(frozen=True)
class EventView:
    at: str
    actor: str
    move: str
    reason: str


@dataclass(frozen=True)
class MaterialChange:
    kind: str
    change: str
    name: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class PacketView:
    id: int
    name: str
    id_number: str
    gender: str
    phone: str
    unit_code: str
    unit_name: str
    year: int
    series: str
    specialty: str
    level: str
    title_name: str
    current_title: str
    current_title_date: str
    education: str
    degree: str
    school: str
    graduation_date: str
    work_start_date: str
    ce_hours: str
    path: str
    offline_review: str
    state: str
    state_label: str
    generated_at: str
    findings: tuple[FindingGroup, ...]
    comparisons: tuple[Comparison, ...]
    reviews: tuple[ReviewView, ...]
    events: tuple[EventView, ...]
    material_changes: tuple[MaterialChange, ...]
    field_changes: tuple[FieldChange, ...]
    has_changes: bool
    materials: tuple[MaterialView, ...]
    offline_result: str = "未登记"   # the center's own record; offline_review is the unit's

    @property
    def file_stem(self) -> str:
        return f"申报{self.id}-{_safe(self.name)}"


def _safe(name: str) -> str:
    """A name fit for a file name: no separators or control characters."""
    out = "".join(c for c in name if c.isprintable() and c not in '/\\:*?"<>|').strip(". ")
    return out[:40] or "申报人"


def packet_view(ctx: Context, app_id: int) -> PacketView:
    """Everything the packet of one application shows."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise NotFound(f"申报{app_id}不存在")
        unit_name = app.unit_name or registered_name(s, app.unit_code)
        materials = list(app.materials)
        reviews = list(s.scalars(select(Review).where(Review.application_id == app_id)
                                 .order_by(Review.id)))
        events = list(s.scalars(select(Event).where(Event.application_id == app_id)
                                .order_by(Event.id)))
        findings = list(app.findings)
        changes = app.changes if isinstance(app.changes, dict) else None
        return PacketView(
            id=app.id, name=app.name, id_number=app.id_number, gender=app.gender or "",
            phone=app.phone or "", unit_code=app.unit_code, unit_name=unit_name,
            year=app.year, series=app.series or "", specialty=app.specialty or "",
            level=app.level or "", title_name=app.title_name,
            current_title=app.current_title or "", current_title_date=as_text(app.current_title_date),
            education=app.education or "", degree=app.degree or "", school=app.school or "",
            graduation_date=as_text(app.graduation_date), work_start_date=as_text(app.work_start_date),
            ce_hours=as_text(app.ce_hours), path=app.path or "正常",
            offline_review=app.offline_review or "未填写", state=app.state,
            state_label=state_label(app.state),
            generated_at=cn_time(ctx.clock.now()),
            findings=_finding_groups(findings),
            comparisons=tuple(_comparisons(app.ocr_comparisons)),
            reviews=tuple(ReviewView(at=cn_time(r.created_at),
                                     stage=STAGE_LABELS.get(r.stage, r.stage),
                                     decision=DECISION_LABELS.get(r.decision, r.decision),
                                     opinion=r.opinion or "", reviewer=r.reviewer or "")
                          for r in reviews),
            events=tuple(_event(e) for e in events),
            material_changes=tuple(_material_changes(changes)),
            field_changes=tuple(_field_changes(changes)),
            has_changes=bool(changes),
            materials=tuple(packet_materials(ctx, app, materials)),
            offline_result=app.offline_result or "未登记",
        )


def registered_name(s: Session, code: str) -> str:
    unit = s.get(Unit, code) if code else None
    return unit.name if unit is not None else ""


def _finding_groups(findings: list[Any]) -> tuple[FindingGroup, ...]:
    groups = []
    for sev in SEVERITY_ORDER:
        items = tuple(FindingView(severity=str(sev), rule=f.rule, material=f.material or "",
                                  message=f.message) for f in findings if f.severity == sev)
        if items:
            groups.append(FindingGroup(severity=str(sev), label=SEVERITY_LABELS[sev], findings=items))
    return tuple(groups)


def _event(e: Event) -> EventView:
    if e.to_state:
        before = state_label(e.from_state) + " → " if e.from_state else ""
        move = before + state_label(e.to_state)
        if not e.action.startswith("stage."):
            move = f"{event_label(e.action)}：{move}"
    else:
        move = event_label(e.action)
    return EventView(at=cn_time(e.created_at), actor=e.actor or "", move=move, reason=e.reason or "")


def _material_changes(changes: dict[str, Any] | None) -> list[MaterialChange]:
    out = []
    for c in (changes or {}).get("materials") or []:
        if isinstance(c, dict):
            change = as_text(c.get("change"))
            out.append(MaterialChange(kind=as_text(c.get("kind")),
                                      change=CHANGE_LABELS.get(change, change),
                                      name=as_text(c.get("name"))))
    return out


def _field_changes(changes: dict[str, Any] | None) -> list[FieldChange]:
    out = []
    for c in (changes or {}).get("fields") or []:
        if isinstance(c, dict):
            name = as_text(c.get("field"))
            out.append(FieldChange(field=FIELD_LABELS.get(name, name), before=as_text(c.get("before")),
                                   after=as_text(c.get("after"))))
    return out


def _comparisons(stored: list[dict[str, Any]] | None) -> list[Comparison]:
    """The check stage's stored judgement of each field read (none before it ran): shown, never
    judged again here. An unsure reading shows as 未能可靠识别, not as a value."""
    out: list[Comparison] = []
    for row in stored or []:
        j = FieldJudgement.from_json(row)
        read = "未能可靠识别" if j.status == UNSURE else as_text(j.read)
        out.append(Comparison(j.kind, j.label, as_text(j.declared), read, j.status == "differs",
                              j.status, j.status_label))
    return out
