"""Every kind of report that the database holds something for, written in one go (`zhicheng demo`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import or_, select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.services.queries import NotFound
from pipeline.storage.db.models import Application, Publicity, RecommendationBatch
from reports.lists import write_publicity, write_review_sheet, write_roster
from reports.packet import write_packet


def write_all(ctx: Context, out_dir: Path) -> list[tuple[str, Path]]:
    """Packets of every application, the review sheet of each unit with a queue, the notice of
    every publicity and the roster of every recommendation batch; returns (label, path) pairs."""
    with ctx.db.uow() as s:
        app_ids = list(s.scalars(select(Application.id).order_by(Application.id)))
        queued = s.execute(select(Application.unit_code, Application.review_unit_code, Application.state)
                           .where(or_(Application.state == State.UNIT_REVIEW.value,
                                      Application.state == State.SUPERVISOR_REVIEW.value))).all()
        publicities = list(s.scalars(select(Publicity.id).order_by(Publicity.id)))
        batches = list(s.scalars(select(RecommendationBatch.id).order_by(RecommendationBatch.id)))
    units = sorted({r.review_unit_code or r.unit_code for r in queued
                    if r.review_unit_code or r.state == State.UNIT_REVIEW.value})

    written: list[tuple[str, Path]] = []
    for app_id in app_ids:
        written.append(("审核包", write_packet(ctx, app_id, out_dir / "审核包")[0]))
    for code in units:
        try:
            written += [("待审核清单", p) for p in write_review_sheet(ctx, code, out_dir / "待审核清单")]
        except NotFound:  # an application of an unregistered unit never reaches a queue
            continue
    for pid in publicities:
        written += [("公示名单", p) for p in write_publicity(ctx, pid, out_dir / "公示")]
    for bid in batches:
        written += [("推荐上报", p) for p in write_roster(ctx, bid, out_dir / "推荐上报")]
    return written
