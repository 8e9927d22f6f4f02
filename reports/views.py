"""View-models for the reports: plain dataclasses built from the database, never ORM rows.

Every builder opens its own short unit of work, copies what the templates need into frozen
dataclasses and closes it; rendering (slow) happens outside any transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.findings import SEVERITY_LABELS, Severity
from pipeline.domain.identity import mask_id_number, mask_phone
from pipeline.domain.materials import ORDER, MaterialKind, required_kinds
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import (
    CENTER,
    CHANGE_LABELS,
    DECISION_LABELS,
    STAGE_LABELS,
    TO_VERIFY,
    cn_date,
    cn_time,
    event_label,
    rule_label,
)
from pipeline.rules.readings import UNSURE, FieldJudgement
from pipeline.services.queries import NotFound
from pipeline.storage.db.models import (
    Application,
    Event,
    Material,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Review,
    Unit,
)

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


def _text(value: object) -> str:
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
class MaterialView:
    """One material as the packet shows it: a PDF to merge, an image to place, or a notice page."""

    anchor: str
    kind: str
    name: str
    form: str                 # pdf | image | notice
    path: Path | None         # the stored file (the upright copy of a rotated photo)
    pages: int = 1            # pages shown (a PDF's first PACKET_MAX_PAGES at most)
    notice: str = ""          # why there is only a notice page
    total_pages: int = 0      # a PDF's pages when more than are shown, else 0
    removed: tuple[str, ...] = ()  # active content stripped from a PDF (Chinese names)


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
        unit_name = app.unit_name or _unit_name(s, app.unit_code)
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
            current_title=app.current_title or "", current_title_date=_text(app.current_title_date),
            education=app.education or "", degree=app.degree or "", school=app.school or "",
            graduation_date=_text(app.graduation_date), work_start_date=_text(app.work_start_date),
            ce_hours=_text(app.ce_hours), path=app.path or "正常",
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
            materials=tuple(_material_views(ctx, app, materials)),
            offline_result=app.offline_result or "未登记",
        )


def _unit_name(s: Session, code: str) -> str:
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
            change = _text(c.get("change"))
            out.append(MaterialChange(kind=_text(c.get("kind")),
                                      change=CHANGE_LABELS.get(change, change),
                                      name=_text(c.get("name"))))
    return out


def _field_changes(changes: dict[str, Any] | None) -> list[FieldChange]:
    out = []
    for c in (changes or {}).get("fields") or []:
        if isinstance(c, dict):
            name = _text(c.get("field"))
            out.append(FieldChange(field=FIELD_LABELS.get(name, name), before=_text(c.get("before")),
                                   after=_text(c.get("after"))))
    return out


def _comparisons(stored: list[dict[str, Any]] | None) -> list[Comparison]:
    """The check stage's stored judgement of each field read (none before it ran): shown, never
    judged again here. An unsure reading shows as 未能可靠识别, not as a value."""
    out: list[Comparison] = []
    for row in stored or []:
        j = FieldJudgement.from_json(row)
        read = "未能可靠识别" if j.status == UNSURE else _text(j.read)
        out.append(Comparison(j.kind, j.label, _text(j.declared), read, j.status == "differs",
                              j.status, j.status_label))
    return out


def _ordered(materials: list[Material]) -> list[Material]:
    rank = {k.value: i for i, k in enumerate(ORDER)}
    return sorted(materials, key=lambda m: (rank.get(m.kind, len(ORDER)), m.part, m.id))


def _material_views(ctx: Context, app: Application, materials: list[Material]) -> list[MaterialView]:
    """Materials in the order of docs/reference.md §2, with a notice for each required one that is absent."""
    present = {m.kind for m in materials}
    missing = [k for k in required_kinds(app.level, app.degree) if k.value not in present]
    out: list[MaterialView] = []
    entries: list[tuple[int, int, Material | MaterialKind]] = []
    rank = {k.value: i for i, k in enumerate(ORDER)}
    for m in materials:
        entries.append((rank.get(m.kind, len(ORDER)), m.part * 100000 + m.id, m))
    for k in missing:
        entries.append((rank[k.value], 0, k))
    for n, (_, _, item) in enumerate(sorted(entries, key=lambda e: (e[0], e[1])), start=1):
        anchor = f"m{n}"
        if isinstance(item, MaterialKind):
            out.append(MaterialView(anchor, item.value, "", "notice", None,
                                    notice=f"未提交“{item.value}”（必备材料缺失）。"))
            continue
        out.append(_material_view(ctx, anchor, item))
    return out


def _material_view(ctx: Context, anchor: str, m: Material) -> MaterialView:
    kind = m.kind if m.part == 1 else f"{m.kind}（{m.part}）"
    name = m.original_name

    def notice(text: str) -> MaterialView:
        return MaterialView(anchor, kind, name, "notice", None, notice=text)

    if m.intake_problem == "too_large" or m.sha256 is None:
        why = "文件超过大小限制，未能保存" if m.intake_problem == "too_large" else "文件已损坏，未能保存"
        return notice(f"文件“{name}”无法放入材料包：{why}。")
    path = ctx.blobs.path(m.sha256)
    if not path.exists():
        return notice(f"文件“{name}”在材料库中找不到，无法放入材料包；请联系管理员。")
    if m.encrypted:
        return notice(f"文件“{name}”是加密的PDF，无法打开，未能放入材料包；请申报人提交未加密的文件。")
    media = m.media_type or ""
    if media == "application/pdf":
        if not m.pages:
            return notice(f"文件“{name}”无法读取（PDF已损坏），未能放入材料包。")
        return MaterialView(anchor, kind, name, "pdf", path, pages=m.pages)
    if media.startswith("image/"):
        upright = ctx.blobs.path(m.normalized_sha256) if m.normalized_sha256 else None
        use = upright if upright is not None and upright.exists() else path
        return MaterialView(anchor, kind, name, "image", use)
    if m.inspected:
        return notice(f"文件“{name}”不是JPG、PNG或PDF文件，或已损坏，无法放入材料包。")
    return notice(f"文件“{name}”尚未完成检查，暂不能放入材料包。")


# --- lists: publicity notice, recommendation roster, unit review sheet -------------------------

@dataclass(frozen=True)
class PublicityRow:
    no: int
    name: str
    gender: str
    id_number: str            # masked
    phone: str                # masked
    unit_name: str
    series: str
    specialty: str
    level: str
    title_name: str
    current_title: str
    education: str
    work_start_date: str
    path: str
    result: str


@dataclass(frozen=True)
class PublicityView:
    id: int
    unit_code: str
    unit_name: str
    start_date: date
    end_date: date
    days: int
    contact: str
    phone: str
    state: str
    generated_at: str
    rows: tuple[PublicityRow, ...]

    @property
    def title(self) -> str:
        return f"{self.unit_name or self.unit_code}职称申报公示"


PUBLICITY_RESULTS = {"passed": "通过", "failed": "未通过", None: ""}


def publicity_view(ctx: Context, publicity_id: int) -> PublicityView:
    """The publicity's notice: who is published, for what, with ID and phone numbers masked."""
    with ctx.db.uow() as s:
        p = s.get(Publicity, publicity_id)
        if p is None:
            raise NotFound(f"公示{publicity_id}不存在")
        unit_name = _unit_name(s, p.unit_code)
        rows = s.execute(select(Application, PublicityEntry.result)
                         .join(PublicityEntry, PublicityEntry.application_id == Application.id)
                         .where(PublicityEntry.publicity_id == p.id)
                         .order_by(PublicityEntry.id)).all()
        out = []
        for i, (a, result) in enumerate(rows, start=1):
            out.append(PublicityRow(
                no=i, name=a.name, gender=a.gender or "", id_number=mask_id_number(a.id_number),
                phone=mask_phone(a.phone) if a.phone else "", unit_name=a.unit_name or unit_name,
                series=a.series or "", specialty=a.specialty or "", level=a.level or "",
                title_name=a.title_name, current_title=_title_with_date(a),
                education=" ".join(x for x in (a.education, a.degree if a.degree not in (None, "无")
                                               else None, a.school) if x),
                work_start_date=_text(a.work_start_date), path=a.path or "正常",
                result=PUBLICITY_RESULTS.get(result, result or "")))
        return PublicityView(id=p.id, unit_code=p.unit_code, unit_name=unit_name,
                             start_date=p.start_date, end_date=p.end_date, days=p.days,
                             contact=p.contact, phone=p.phone,
                             state={"open": "公示中", "closed": "已结束"}.get(p.state, p.state),
                             generated_at=cn_time(ctx.clock.now()),
                             rows=tuple(out))


def _title_with_date(a: Application) -> str:
    if not a.current_title:
        return ""
    return a.current_title + (f"（{cn_date(a.current_title_date)}）" if a.current_title_date else "")


@dataclass(frozen=True)
class RosterRow:
    no: int
    app_id: int
    name: str
    gender: str
    id_number: str
    phone: str
    series: str
    specialty: str
    level: str
    title_name: str
    current_title: str
    education: str
    path: str
    offline_review: str
    state: str
    warnings: int


@dataclass(frozen=True)
class RosterView:
    id: int
    unit_code: str
    unit_name: str
    year: int
    target: str
    created_by: str
    created_at: str
    generated_at: str
    rows: tuple[RosterRow, ...]
    created_date: str = ""          # the day the batch was built, for the signature line

    @property
    def app_ids(self) -> list[int]:
        return [r.app_id for r in self.rows]


def roster_view(ctx: Context, batch_id: int) -> RosterView:
    """A recommendation batch (推荐上报) as the list handed to the superior."""
    with ctx.db.uow() as s:
        b = s.get(RecommendationBatch, batch_id)
        if b is None:
            raise NotFound(f"推荐上报批次{batch_id}不存在")
        apps = list(s.scalars(select(Application)
                              .join(RecommendationEntry, RecommendationEntry.application_id == Application.id)
                              .where(RecommendationEntry.batch_id == b.id)
                              .order_by(RecommendationEntry.id)))
        rows = tuple(RosterRow(
            no=i, app_id=a.id, name=a.name, gender=a.gender or "", id_number=a.id_number,
            phone=a.phone or "", series=a.series or "", specialty=a.specialty or "",
            level=a.level or "", title_name=a.title_name, current_title=_title_with_date(a),
            education=" ".join(x for x in (a.education, a.school) if x), path=a.path or "正常",
            offline_review=a.offline_review or "未填写", state=state_label(a.state),
            warnings=sum(1 for f in a.findings if f.severity == Severity.WARN))
            for i, a in enumerate(apps, start=1))
        target = _unit_name(s, b.target_code) or b.target_code if b.target_code else CENTER
        return RosterView(id=b.id, unit_code=b.unit_code, unit_name=_unit_name(s, b.unit_code),
                          year=b.year, target=target or "", created_by=b.created_by or "",
                          created_at=cn_time(b.created_at),
                          generated_at=cn_time(ctx.clock.now()), rows=rows,
                          created_date=cn_date(b.created_at))


@dataclass(frozen=True)
class SheetRow:
    no: int
    app_id: int
    name: str
    id_number: str
    title: str
    series: str
    path: str
    offline_review: str
    stage: str
    waiting_since: str
    flags: tuple[FindingView, ...]
    verify: tuple[str, ...] = ()    # 需核实: what the reviewer must check by hand (破格, 绿色通道)


@dataclass(frozen=True)
class SheetView:
    unit_code: str
    unit_name: str
    generated_at: str
    rows: tuple[SheetRow, ...] = field(default_factory=tuple)


def review_sheet_view(ctx: Context, unit_code: str) -> SheetView:
    """The applications waiting for a unit's decision, oldest first, with their flags."""
    code = unit_code.strip().upper()
    with ctx.db.uow() as s:
        unit = s.get(Unit, code)
        if unit is None:
            raise NotFound(f"单位{code}未注册")
        apps = list(s.scalars(select(Application).where(or_(
            (Application.state == State.UNIT_REVIEW.value)
            & or_(Application.unit_code == code, Application.review_unit_code == code),
            (Application.state == State.SUPERVISOR_REVIEW.value)
            & (Application.review_unit_code == code)))
            .order_by(Application.state_changed_at, Application.id)))
        rows = tuple(SheetRow(
            no=i, app_id=a.id, name=a.name, id_number=a.id_number,
            title=" ".join(x for x in (a.level, a.title_name) if x),
            series=" ".join(x for x in (a.series, a.specialty) if x), path=a.path or "正常",
            offline_review=a.offline_review or "未填写", stage=state_label(a.state),
            waiting_since=cn_time(a.state_changed_at),
            flags=tuple(FindingView(f.severity, f.rule, f.material or "", f.message)
                        for f in a.findings if f.severity in (Severity.WARN, Severity.BLOCK)),
            verify=_to_verify(a))
            for i, a in enumerate(apps, start=1))
        return SheetView(unit_code=code, unit_name=unit.name,
                         generated_at=cn_time(ctx.clock.now()), rows=rows)


def _to_verify(a: Application) -> tuple[str, ...]:
    """The notes a reviewer must verify by hand: a relaxed path (破格 / 绿色通道)."""
    notes = tuple(f.message for f in a.findings if f.rule in TO_VERIFY)
    if not notes and (a.path or "正常") != "正常":
        notes = (f"按{a.path}途径申报：请核实其条件与证明材料",)
    return notes
