"""Checks: load the facts in one short transaction, run the pure rules outside it."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.checks import ApplicationFacts, OtherApplication, UnitFacts, run_checks
from pipeline.context import Context
from pipeline.db.models import Application, Material, Unit
from pipeline.stages import StageResult
from pipeline.states import State


def load_facts(ctx: Context, app_id: int) -> ApplicationFacts:
    """The facts the rules read about one application."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise LookupError(f"application {app_id} does not exist")
        unit = s.get(Unit, app.unit_code) if app.unit_code else None
        unit_facts = None
        if unit is not None:
            parent = s.get(Unit, unit.parent_code) if unit.parent_code else None
            unit_facts = UnitFacts(unit.code, unit.name, unit.status, unit.parent_code,
                                   parent.status if parent else None, parent is not None)
        kinds = list(s.scalars(select(Material.kind).where(Material.application_id == app_id)))
        others = [OtherApplication(o.id, o.unit_code, o.title_name, o.state) for o in s.scalars(
            select(Application).where(Application.id_number == app.id_number,
                                      Application.year == app.year, Application.id != app_id)
            .order_by(Application.id))]
        return ApplicationFacts(raw=dict(app.roster.get("raw", {})), unit_code=app.unit_code,
                                unit=unit_facts, material_kinds=kinds, others_same_year=others)


def work(ctx: Context, app_id: int) -> StageResult:
    """Run the identity, roster, unit and material rules."""
    return StageResult(State.CHECKED, run_checks(load_facts(ctx, app_id), ctx.today()), {})
