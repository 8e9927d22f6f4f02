"""Checks and routing: load the facts in one short transaction, run the pure rules outside it,
then route on every finding (this stage's and the earlier stages'): returned with every blocking
problem listed at once (一次性告知), or the unit's review queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace

from sqlalchemy import select

from pipeline.context import Context
from pipeline.documents.extraction_key import CERTIFICATES, extraction_method
from pipeline.domain.findings import Finding, Severity, route
from pipeline.domain.materials import MaterialKind
from pipeline.domain.states import State
from pipeline.errors import ApplicationMissing
from pipeline.roster.record import KEY_FIELDS, TYPED, RosterRecord
from pipeline.rules.application import (
    ApplicationFacts,
    CertificateReading,
    OtherApplication,
    check_application,
    duplicate_details,
)
from pipeline.rules.year import ScannedReport
from pipeline.services.facts import unit_facts
from pipeline.stages import StageResult
from pipeline.storage.db.models import Applicant, Application, Event, Extraction, FindingRow, Material
from pipeline.storage.transitions import log_event

STAGE = "check"


def load_facts(ctx: Context, app_id: int) -> tuple[ApplicationFacts, list[Finding]]:
    """The facts the rules read about one application, and the earlier stages' findings."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise ApplicationMissing(f"申报{app_id}不存在（已被删除？）")
        facts_of_unit = unit_facts(s, app.unit_code)
        kinds = list(s.scalars(select(Material.kind).where(Material.application_id == app_id)))
        others = [OtherApplication(o.id, o.unit_code, o.title_name, o.state) for o in s.scalars(
            select(Application).where(Application.id_number == app.id_number,
                                      Application.year == app.year, Application.id != app_id)
            .order_by(Application.id))]
        earlier = [Finding(r.rule, r.message, r.material, Severity(r.severity)) for r in s.execute(
            select(FindingRow.rule, FindingRow.severity, FindingRow.message, FindingRow.material)
            .where(FindingRow.application_id == app_id, FindingRow.stage != STAGE)
            .order_by(FindingRow.id))]
        report_chars, report_scan = _work_report(s, app_id, ctx.ocr_engine_name)
        columns = {name: getattr(app, name) for name in (*TYPED, *KEY_FIELDS)}
        record = RosterRecord.from_stored(columns, app.roster, ctx.today())
        facts = ApplicationFacts(raw=dict(app.roster.get("raw", {})), unit_code=app.unit_code,
                                 unit=facts_of_unit, material_kinds=kinds, others_same_year=others,
                                 record=record,
                                 work_report_chars=report_chars, work_report_scan=report_scan,
                                 readings=_readings(s, app_id, ctx.ocr_engine_name))
        return facts, earlier


def _readings(s, app_id: int, engine_name: str) -> list[CertificateReading]:  # type: ignore[no-untyped-def]
    """What was read from each certificate of the application (none where nothing was read)."""
    rows = s.execute(
        select(Material.original_name, Material.kind, Material.media_type,
               Material.has_text_layer, Extraction.method, Extraction.text, Extraction.fields)
        .join(Extraction, Extraction.sha256 == Material.sha256)
        .where(Material.application_id == app_id, Material.kind.in_(CERTIFICATES),
               Material.media_type.is_not(None))
        .order_by(Material.id)).all()
    return [CertificateReading(r.original_name, r.kind, r.text, dict(r.fields)) for r in rows
            if r.method == extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name)]


def _work_report(s, app_id: int, engine_name: str  # type: ignore[no-untyped-def]
                 ) -> tuple[int | None, ScannedReport | None]:
    """Characters of the 述职报告's text layer (all its parts; None when it has none to read), and
    what OCR counted on its scanned parts (PDFs without a text layer; None when there are none)."""
    found = s.execute(
        select(Material.id, Material.sha256, Material.kind, Material.media_type,
               Material.has_text_layer, Material.pages, Extraction.method, Extraction.chars,
               Extraction.fields)
        .outerjoin(Extraction, Extraction.sha256 == Material.sha256)
        .where(Material.application_id == app_id, Material.kind == str(MaterialKind.WORK_REPORT),
               Material.media_type == "application/pdf", Material.has_text_layer.is_not(None))
        .order_by(Material.id)).all()
    # One row per material: its reading under the key extraction_key gives it, or none.
    by_id: dict[int, SimpleNamespace] = {}
    for r in found:
        keyed = r.method == extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name)
        if keyed or r.id not in by_id:
            row = SimpleNamespace(**r._asdict())
            if not keyed:
                row.chars = row.fields = None
            by_id[r.id] = row
    rows = [by_id[i] for i in sorted(by_id)]
    text = [r for r in rows if r.has_text_layer]
    scans = [r for r in rows if not r.has_text_layer]
    if any(r.chars is None for r in text):
        return None, None  # a text layer not read (cannot happen after the extract stage)
    if any(_unfinished(r.fields) for r in text):
        return None, None  # not counted: the reviewer is asked instead (unfinished_reports)
    chars = sum(r.chars for r in text) if text else None
    if not scans:
        return chars, None
    total, pages, read, gaps = 0, 0, 0, []
    for r in scans:
        if r.chars is None:  # nothing OCR'd: no engine here
            pages += r.pages or 0
            gaps.append("本系统未配置文字识别（OCR）引擎，扫描件未经识别" if engine_name == "null"
                        else "扫描件尚未经文字识别")
            continue
        fields = dict(r.fields or {})
        total += r.chars
        pages += int(fields.get("pages") or r.pages or 0)
        read += int(fields.get("pages_read") or 0)
        if fields.get("gap"):
            gaps.append(str(fields["gap"]))
    gap = "；".join(dict.fromkeys(gaps)) or None
    return chars, ScannedReport(total, pages, read, gap)


# Why the bounded text reader stopped before the end (documents.pdf_text), for the reviewer.
_STOPPED = {"time": "在限定时间内未能读完（文件结构异常，可能含层层嵌套的内容）",
            "memory": "读取时所需内存超出上限（文件结构异常）",
            "unreadable": "无法读取文字层"}


def _unfinished(fields: object) -> str | None:
    stopped = dict(fields or {}).get("stopped") if isinstance(fields, dict) else None
    return _STOPPED.get(str(stopped)) if stopped else None


def unfinished_reports(ctx: Context, app_id: int) -> list[Finding]:
    """report.unverified for each 述职报告 whose text layer the reader's bounds stopped."""
    with ctx.db.uow() as s:
        found = s.execute(
            select(Material.original_name, Material.kind, Material.media_type,
                   Material.has_text_layer, Extraction.method, Extraction.chars, Extraction.fields)
            .join(Extraction, Extraction.sha256 == Material.sha256)
            .where(Material.application_id == app_id,
                   Material.kind == str(MaterialKind.WORK_REPORT),
                   Material.has_text_layer.is_(True))
            .order_by(Material.id)).all()
    rows = [r for r in found if r.method == extraction_method(
        r.kind, r.media_type, r.has_text_layer, ctx.ocr_engine_name)]
    out = []
    for r in rows:
        why = _unfinished(r.fields)
        if why:
            fields = dict(r.fields)
            out.append(Finding(
                "report.unverified",
                f"未能核实述职报告字数：文件“{r.original_name}”的文字层{why}，"
                f"共{fields.get('pages') or '?'}页，已读取{fields.get('pages_read') or 0}页"
                f"约{r.chars or 0:,}字；请审核人员人工核对述职报告的字数，必要时请申报人重新导出PDF",
                "述职报告"))
    return out


DUPLICATE_FLAGGED = "duplicate.flagged"


def _flag_duplicates(ctx: Context, app_id: int, details: list[tuple[int, str]]) -> None:
    """Tell the center, on both applications, of another unit's application of the same person.

    An event the center reads (never shown to units); written once per pair and wording.
    """
    if not details:
        return
    with ctx.db.uow() as s:
        # The two applications of a pair may be checked at the same moment: the person's row is
        # locked (PostgreSQL) so that one of them writes the pair's events and the other sees them.
        person = s.scalar(select(Application.id_number).where(Application.id == app_id))
        s.execute(select(Applicant.id_number).where(Applicant.id_number == person).with_for_update())
        for other_id, reason in details:
            for subject in (app_id, other_id):
                exists = s.scalar(select(Event.id).where(
                    Event.application_id == subject, Event.action == DUPLICATE_FLAGGED,
                    Event.reason == reason).limit(1))
                if exists is None:
                    log_event(s, now=ctx.clock.now(), subject="center", subject_id=subject,
                              action=DUPLICATE_FLAGGED, application_id=subject, reason=reason)
        s.commit()


def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
    """Check each application of a chunk (an application no longer there is left out)."""
    out: dict[int, StageResult] = {}
    for app_id in app_ids:
        try:
            out[app_id] = check(ctx, app_id)
        except ApplicationMissing:
            continue
    return out


def check(ctx: Context, app_id: int) -> StageResult:
    """Run the identity, roster, unit and material rules, and route on all findings."""
    facts, earlier = load_facts(ctx, app_id)
    findings, judged = check_application(facts, ctx.rules.for_year, ctx.today())
    findings += unfinished_reports(ctx, app_id)
    _flag_duplicates(ctx, app_id, duplicate_details(facts, app_id))
    everything = earlier + findings
    target = route(everything)
    if target is State.RETURNED:
        blocks = [f.message for f in everything if f.level is Severity.BLOCK]
        reason = "；".join(f"{i}. {m}" for i, m in enumerate(blocks, 1))
    else:
        warns = sum(1 for f in everything if f.level is Severity.WARN)
        reason = f"进入所在单位初审，提示{warns}项" if warns else "进入所在单位初审"
    return StageResult(tuple(findings), route=target, reason=reason,
                       application={"ocr_comparisons": [j.to_json() for j in judged]})
