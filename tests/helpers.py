"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

from dataclasses import asdict
from itertools import count

from pipeline.context import Context
from pipeline.services.units import import_units


def register_sample_units(ctx: Context) -> list:
    """Register the sample units (as `zhicheng units import` would) and return them."""
    from zhicheng.sample import sample_units

    units = sample_units()
    report = import_units(ctx, [(i + 2, asdict(u)) for i, u in enumerate(units)])
    assert not report.problems, report.problems
    return units


def rules_of(app: dict) -> set[str]:
    return {f["rule"] for f in app["findings"]}


_SEQ = count(1)


def seed_application(ctx: Context, unit_code: str, state: str = "unit_review", *, year: int = 2026,
                     name: str | None = None, offline_review: str | None = "通过",
                     n: int | None = None) -> int:
    """Insert one application directly in a given state (workflow tests start past the pipeline)."""
    from pipeline.storage.db.models import Applicant, Application
    from pipeline.storage.transitions import log_event

    n = n if n is not None else next(_SEQ)
    now = ctx.clock.now()
    id_number = f"4301021990{n:08d}"[:18]
    with ctx.db.uow() as s:
        if s.get(Applicant, id_number) is None:
            s.add(Applicant(id_number=id_number, name=name or f"申报人{n}", created_at=now))
        app = Application(id_number=id_number, year=year, unit_code=unit_code,
                          title_name="高级工程师", name=name or f"申报人{n}", series="工程",
                          specialty="道路与桥梁", level="副高级", path="正常",
                          offline_review=offline_review, state=state, state_changed_at=now,
                          review_unit_code=unit_code if state == "unit_review" else None,
                          created_at=now, updated_at=now, attempts=0, roster={})
        s.add(app)
        s.flush()
        log_event(s, now=now, subject="application", subject_id=app.id, action="seeded",
                  application_id=app.id, to_state=state)
        s.commit()
        return app.id
