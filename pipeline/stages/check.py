"""Checks and routing: load a chunk's facts in one short transaction, run the pure rules outside it,
then route on every finding (this stage's and the earlier stages'): returned with every blocking
problem listed at once (一次性告知), or the unit's review queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from pipeline.stages import Note, StageResult
from pipeline.stages.facts import unit_facts
from pipeline.storage.db.models import Application, Extraction, FindingRow, Material

STAGE = "check"


@dataclass
class Loaded:
    """What the check of one application reads: the rules' facts, the earlier stages' findings,
    and its 述职报告 readings the reader's bounds stopped (report.unverified)."""

    facts: ApplicationFacts
    earlier: list[Finding]
    unfinished: list[Finding]


def load_facts(ctx: Context, app_id: int) -> tuple[ApplicationFacts, list[Finding]]:
    """The facts the rules read about one application, and the earlier stages' findings."""
    loaded = load_chunk(ctx, [app_id]).get(app_id)
    if loaded is None:
        raise ApplicationMissing(f"申报{app_id}不存在（已被删除？）")
    return loaded.facts, loaded.earlier


def load_chunk(ctx: Context, app_ids: Sequence[int]) -> dict[int, Loaded]:
    """What the rules read about each application of a chunk still there: one transaction, one
    query per kind of fact for the whole chunk (each unit's facts read once)."""
    engine_name = ctx.ocr_engine_name
    today = ctx.today()
    with ctx.db.uow() as s:
        apps = list(s.scalars(select(Application).where(Application.id.in_(app_ids))
                              .order_by(Application.id)))
        ids = [a.id for a in apps]
        units = {code: unit_facts(s, code) for code in {a.unit_code for a in apps}}
        kinds: dict[int, list[str]] = defaultdict(list)
        for app_id, kind in s.execute(select(Material.application_id, Material.kind)
                                      .where(Material.application_id.in_(ids))
                                      .order_by(Material.id)):
            kinds[app_id].append(kind)
        same_person: dict[tuple[str, int | None], list[Any]] = defaultdict(list)
        for o in s.execute(select(Application.id, Application.unit_code, Application.title_name,
                                  Application.state, Application.id_number, Application.year)
                           .where(Application.id_number.in_({a.id_number for a in apps}))
                           .order_by(Application.id)):
            same_person[(o.id_number, o.year)].append(o)
        earlier: dict[int, list[Finding]] = defaultdict(list)
        for r in s.execute(select(FindingRow.application_id, FindingRow.rule, FindingRow.severity,
                                  FindingRow.message, FindingRow.material)
                           .where(FindingRow.application_id.in_(ids), FindingRow.stage != STAGE)
                           .order_by(FindingRow.id)):
            earlier[r.application_id].append(Finding(r.rule, r.message, r.material,
                                                     Severity(r.severity)))
        reports = _work_reports(s, ids, engine_name)
        readings = _readings(s, ids, engine_name)
        out = {}
        for app in apps:
            columns = {name: getattr(app, name) for name in (*TYPED, *KEY_FIELDS)}
            chars, scan = _work_report(reports.get(app.id, []), engine_name)
            others = [OtherApplication(o.id, o.unit_code, o.title_name, o.state)
                      for o in same_person[(app.id_number, app.year)] if o.id != app.id]
            facts = ApplicationFacts(
                raw=dict(app.roster.get("raw", {})), unit_code=app.unit_code,
                unit=units[app.unit_code], material_kinds=kinds[app.id], others_same_year=others,
                record=RosterRecord.from_stored(columns, app.roster, today),
                work_report_chars=chars, work_report_scan=scan, readings=readings.get(app.id, []))
            out[app.id] = Loaded(facts, earlier[app.id], _unfinished_reports(reports.get(app.id, [])))
        return out


def _readings(s: Session, app_ids: list[int], engine_name: str
              ) -> dict[int, list[CertificateReading]]:
    """What was read from each certificate of the applications (none where nothing was read)."""
    rows = s.execute(
        select(Material.application_id, Material.original_name, Material.kind,
               Material.media_type, Material.has_text_layer, Extraction.method, Extraction.text,
               Extraction.fields)
        .join(Extraction, Extraction.sha256 == Material.sha256)
        .where(Material.application_id.in_(app_ids), Material.kind.in_(CERTIFICATES),
               Material.media_type.is_not(None))
        .order_by(Material.id)).all()
    out: dict[int, list[CertificateReading]] = defaultdict(list)
    for r in rows:
        if r.method == extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name):
            out[r.application_id].append(CertificateReading(r.original_name, r.kind, r.text,
                                                            dict(r.fields)))
    return out


def _work_reports(s: Session, app_ids: list[int], engine_name: str
                  ) -> dict[int, list[SimpleNamespace]]:
    """The 述职报告 PDFs of the applications that opened, one row per material with its reading
    under the key extraction_key gives it (chars and fields None when there is none)."""
    found = s.execute(
        select(Material.application_id, Material.id, Material.original_name, Material.sha256,
               Material.kind, Material.media_type, Material.has_text_layer, Material.pages,
               Extraction.method, Extraction.chars, Extraction.fields)
        .outerjoin(Extraction, Extraction.sha256 == Material.sha256)
        .where(Material.application_id.in_(app_ids),
               Material.kind == str(MaterialKind.WORK_REPORT),
               Material.media_type == "application/pdf", Material.has_text_layer.is_not(None))
        .order_by(Material.id)).all()
    by_id: dict[int, SimpleNamespace] = {}
    for r in found:
        keyed = r.method == extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name)
        if keyed or r.id not in by_id:
            row = SimpleNamespace(**r._asdict(), keyed=keyed)
            if not keyed:
                row.chars = row.fields = None
            by_id[r.id] = row
    out: dict[int, list[SimpleNamespace]] = defaultdict(list)
    for material_id in sorted(by_id):
        out[by_id[material_id].application_id].append(by_id[material_id])
    return out


def _work_report(rows: list[SimpleNamespace], engine_name: str
                 ) -> tuple[int | None, ScannedReport | None]:
    """Characters of the 述职报告's text layer (all its parts; None when it has none to read), and
    what OCR counted on its scanned parts (PDFs without a text layer; None when there are none)."""
    text = [r for r in rows if r.has_text_layer]
    scans = [r for r in rows if not r.has_text_layer]
    if any(r.chars is None for r in text):
        return None, None  # a text layer not read (cannot happen after the extract stage)
    if any(_unfinished(r.fields) for r in text):
        return None, None  # not counted: the reviewer is asked instead (report.unverified)
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


def _unfinished_reports(rows: list[SimpleNamespace]) -> list[Finding]:
    """report.unverified for each 述职报告 whose text layer the reader's bounds stopped."""
    out = []
    for r in rows:
        why = _unfinished(r.fields) if r.keyed and r.has_text_layer else None
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


def _duplicate_notes(app_id: int, details: list[tuple[int, str]]) -> tuple[Note, ...]:
    """Tell the center, on both applications, of another unit's application of the same person:
    an event the center reads (never shown to units), logged once per pair and wording (the
    runner skips a note the application already has)."""
    return tuple(Note(subject, "center", DUPLICATE_FLAGGED, reason)
                 for other_id, reason in details for subject in (app_id, other_id))


def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
    """Check each application of a chunk (an application no longer there is left out)."""
    return {app_id: check(ctx, app_id, loaded) for app_id, loaded in load_chunk(ctx, app_ids).items()}


def check(ctx: Context, app_id: int, loaded: Loaded) -> StageResult:
    """Run the identity, roster, unit and material rules, and route on all findings."""
    facts = loaded.facts
    findings, judged = check_application(facts, ctx.rules.for_year, ctx.today())
    findings += loaded.unfinished
    everything = loaded.earlier + findings
    target = route(everything)
    if target is State.RETURNED:
        blocks = [f.message for f in everything if f.level is Severity.BLOCK]
        reason = "；".join(f"{i}. {m}" for i, m in enumerate(blocks, 1))
    else:
        warns = sum(1 for f in everything if f.level is Severity.WARN)
        reason = f"进入所在单位初审，提示{warns}项" if warns else "进入所在单位初审"
    return StageResult(tuple(findings), route=target, reason=reason,
                       application={"ocr_comparisons": [j.to_json() for j in judged]},
                       notes=_duplicate_notes(app_id, duplicate_details(facts, app_id)))
