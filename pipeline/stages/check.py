"""Checks and routing: load the facts in one short transaction, run the pure rules outside it,
then route on every finding (this stage's and the earlier stages'): returned with every blocking
problem listed at once (一次性告知), or the unit's review queue."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.checks import (ApplicationFacts, CertificateReading, OtherApplication, UnitFacts,
                             run_checks)
from pipeline.context import Context
from pipeline.db.models import Application, Extraction, FindingRow, Material, Unit
from pipeline.findings import Finding, Severity, route
from pipeline.materials import MaterialKind
from pipeline.reading import reading_method
from pipeline.stages.extract import CERTIFICATES, TEXT_LAYER
from pipeline.stages import StageResult
from pipeline.states import State

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
        facts = ApplicationFacts(raw=dict(app.roster.get("raw", {})), unit_code=app.unit_code,
                                 unit=unit_facts, material_kinds=kinds, others_same_year=others,
                                 work_report_chars=_work_report_chars(s, app_id),
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
            if r.method == reading_method(r.media_type, r.has_text_layer, engine_name)]


def _work_report_chars(s, app_id: int) -> int | None:  # type: ignore[no-untyped-def]
    """Characters of the 述职报告's text layer (all its parts); None when it has none to read."""
    rows = s.execute(
        select(Material.sha256, Extraction.chars)
        .outerjoin(Extraction, (Extraction.sha256 == Material.sha256)
                   & (Extraction.method == TEXT_LAYER))
        .where(Material.application_id == app_id, Material.kind == str(MaterialKind.WORK_REPORT),
               Material.has_text_layer.is_(True))).all()
    if not rows or any(chars is None for _, chars in rows):
        return None
    return sum(chars for _, chars in rows)


def work(ctx: Context, app_id: int) -> StageResult:
    """Run the identity, roster, unit and material rules, and route on all findings."""
    facts, earlier = load_facts(ctx, app_id)
    findings = run_checks(facts, ctx.rules.for_year, ctx.today())
    everything = earlier + findings
    target = route(everything)
    if target is State.RETURNED:
        blocks = [f.message for f in everything if f.level is Severity.BLOCK]
        reason = "；".join(f"{i}. {m}" for i, m in enumerate(blocks, 1))
    else:
        warns = sum(1 for f in everything if f.level is Severity.WARN)
        reason = f"进入所在单位初审，提示{warns}项" if warns else "进入所在单位初审"
    return StageResult(State.CHECKED, findings, {}, reason, then=target)

