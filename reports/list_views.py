"""View-models of the lists: the publicity notice, the recommendation roster, the unit's review
sheet. Each builder opens its own short unit of work and returns frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from pipeline.context import Context
from pipeline.domain.findings import Severity
from pipeline.domain.identity import mask_id_number, mask_phone
from pipeline.domain.states import State
from pipeline.domain.vocabulary import CENTER, PUBLICITY_STATE_LABELS, RESULT_LABELS, TO_VERIFY, cn_date, cn_time
from pipeline.services.queries import NotFound
from pipeline.storage.db.models import (
    Application,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Unit,
)
from reports.views import FindingView, as_text, registered_name, state_label


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


def publicity_view(ctx: Context, publicity_id: int) -> PublicityView:
    """The publicity's notice: who is published, for what, with ID and phone numbers masked."""
    with ctx.db.uow() as s:
        p = s.get(Publicity, publicity_id)
        if p is None:
            raise NotFound(f"公示{publicity_id}不存在")
        unit_name = registered_name(s, p.unit_code)
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
                work_start_date=as_text(a.work_start_date), path=a.path or "正常",
                result=RESULT_LABELS.get(result, result or "")))
        return PublicityView(id=p.id, unit_code=p.unit_code, unit_name=unit_name,
                             start_date=p.start_date, end_date=p.end_date, days=p.days,
                             contact=p.contact, phone=p.phone,
                             state=PUBLICITY_STATE_LABELS.get(p.state, p.state),
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
        target = registered_name(s, b.target_code) or b.target_code if b.target_code else CENTER
        return RosterView(id=b.id, unit_code=b.unit_code, unit_name=registered_name(s, b.unit_code),
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
