"""Checks and routing: load the facts in one short transaction, run the pure rules outside it,
then route on every finding (this stage's and the earlier stages'): returned with every blocking
problem listed at once (一次性告知), or the unit's review queue."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from pipeline.rules.application import (ApplicationFacts, CertificateReading, OtherApplication, UnitFacts,
                             run_checks)
from pipeline.context import Context
from pipeline.storage.db.models import Application, Extraction, FindingRow, Material, Unit
from pipeline.domain.findings import Finding, Severity, route
from pipeline.domain.materials import MaterialKind
from pipeline.documents.extraction_key import CERTIFICATES, extraction_method
from pipeline.rules.year import ScannedReport
from pipeline.stages import StageResult
from pipeline.domain.states import State

STAGE = "check"


def load_facts(ctx: Context, app_id: int) -> tuple[ApplicationFacts, list[Finding]]:
    """The facts the rules read about one application, and the earlier stages' findings."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise LookupError(f"application {app_id} does not exist")
        unit = s.get(Unit, app.unit_code) if app.unit_code else None
        unit_facts = None
        if unit is not None:
            parent = s.get(Unit, unit.parent_code) if unit.parent_code else None
            unit_facts = UnitFacts(unit.code, unit.name, unit.kind, unit.status, unit.parent_code,
                                   parent.status if parent else None, parent is not None,
                                   unit.county_level)
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
        facts = ApplicationFacts(raw=dict(app.roster.get("raw", {})), unit_code=app.unit_code,
                                 unit=unit_facts, material_kinds=kinds, others_same_year=others,
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


def work(ctx: Context, app_id: int) -> StageResult:
    """Run the identity, roster, unit and material rules, and route on all findings."""
    facts, earlier = load_facts(ctx, app_id)
    findings = run_checks(facts, ctx.rules.for_year, ctx.today()) + unfinished_reports(ctx, app_id)
    everything = earlier + findings
    target = route(everything)
    if target is State.RETURNED:
        blocks = [f.message for f in everything if f.level is Severity.BLOCK]
        reason = "；".join(f"{i}. {m}" for i, m in enumerate(blocks, 1))
    else:
        warns = sum(1 for f in everything if f.level is Severity.WARN)
        reason = f"进入所在单位初审，提示{warns}项" if warns else "进入所在单位初审"
    return StageResult(State.CHECKED, findings, {}, reason, then=target)

