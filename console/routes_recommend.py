"""推荐上报: choose the year, check the people and the superior it goes to, submit; the roster and
the zip of packets to download."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.web import Console, Errors, ints, text
from console.who import Hidden, Who, unit_of
from pipeline.services import recommend, worklist
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.services.units import superior, unit_name
from reports.lists import write_roster

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    def page(request: Request, who: Who, status: int = 200, errors: Errors | None = None,
             year: int | None = None, ticked: list[int] | None = None) -> Response:
        unit = unit_of(who)
        ready = worklist.to_recommend(c.ctx, unit)
        years = sorted({p["year"] for p in ready})
        year = year if year in years else (years[0] if years else None)
        with c.ctx.db.uow() as s:
            target = superior(s, unit)
            target_name = unit_name(s, target)
        return c.page(request, "recommend.html", status=status, title="推荐上报",
                      ready=[p for p in ready if p["year"] == year], years=years, year=year,
                      target=target, target_name=target_name, errors=errors or Errors(),
                      ticked=ticked,
                      batches=worklist.recommendations(c.ctx, unit))

    @r.get("/recommend")
    def show(request: Request, year: str = "") -> Response:
        return page(request, c.who(request), year=int(year) if year.isdigit() else None)

    @r.post("/recommend")
    async def submit(request: Request) -> Response:
        who, form = await c.posted(request)
        unit = unit_of(who)
        raw = text(form, "year")
        year = int(raw) if raw.isdigit() and len(raw) == 4 else None
        errors = Errors()
        ready = [p for p in worklist.to_recommend(c.ctx, unit) if p["year"] == year]
        if year is None or not ready:
            errors.fields["year"] = "该年度没有公示通过、待推荐上报的人员"
        ticked = ints(form, "ids")
        if ready and not ticked:
            errors.fields["ids"] = "请勾选要推荐上报的人员"
        if text(form, "confirm") != "1":
            errors.fields["confirm"] = "请核对名单后勾选确认"
        if errors:
            return page(request, who, 422, errors, year, ticked)
        again = c.once(request, who, form, "/recommend")
        if again:
            return again
        assert year is not None
        try:
            built = recommend.build(c.ctx, unit, year, by=who.actor, ids=ticked)
        except (WorkflowError, NotFound) as exc:
            return page(request, who, 409, Errors(general=str(exc)), year, ticked)
        if not built.created or built.batch_id is None:
            return c.redirect(request, "/recommend", "没有新的人员可推荐上报", "warn")
        return c.redirect(request, f"/recommendations/{built.batch_id}",
                          f"已推荐上报{built.count}人")

    def owned(who: Who, batch_id: int) -> None:
        owner = worklist.recommendation_owner(c.ctx, batch_id)
        if owner is None or not (who.is_center or who.unit_code == owner):
            raise Hidden()

    @r.get("/recommendations/{batch_id}")
    def batch(request: Request, batch_id: int) -> Response:
        who = c.who(request)
        owned(who, batch_id)
        view = recommend.batch_view(c.ctx, batch_id)
        with c.ctx.db.uow() as s:
            target = unit_name(s, view["target_code"])
        return c.page(request, "recommendation.html", title=f"推荐上报批次{batch_id}", b=view,
                      target_name=target)

    @r.get("/recommendations/{batch_id}/roster.{ext}")
    def roster(request: Request, batch_id: int, ext: str) -> Response:
        who = c.who(request)
        owned(who, batch_id)
        if ext not in ("pdf", "xlsx", "zip"):
            raise Hidden()
        media = {"pdf": "application/pdf", "xlsx": XLSX, "zip": "application/zip"}[ext]
        for path in roster_files(c, batch_id):
            if path.suffix == f".{ext}":
                return c.file(request, path, path.name, media, inline=ext == "pdf")
        raise Hidden()

    return r


def roster_files(c: Console, batch_id: int) -> list[Path]:
    """The roster PDF, XLSX and zip of packets, written once for the batch as it stands now.

    Writing the packets is the slow part, so the files are kept until a state on the roster changes.
    """
    stamp = worklist.recommendation_stamp(c.ctx, batch_id)
    root = c.ctx.settings.data_dir / "console" / "rosters"
    folder = root / f"{batch_id}-{stamp}"
    if not folder.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{batch_id}-"))
        write_roster(c.ctx, batch_id, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:   # written meanwhile by another request: keep that one
            shutil.rmtree(tmp, ignore_errors=True)
    return sorted(p for p in folder.iterdir() if p.is_file())
