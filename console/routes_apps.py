"""The application list (filter, sort, page, export) and page (fields, findings, OCR, materials,
packet, history), and 初审 / 主管单位 / 形式审查 decisions, one by one or for a ticked selection."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from console.exports import applications_workbook
from console.web import Console, Errors, ints, text
from console.who import Hidden, Who, decision_stage, material, read_scope, readable
from pipeline.domain.states import LABELS, WITHDRAWABLE
from pipeline.services import queries, withdrawal, worklist
from pipeline.services import review as reviews
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from reports.packet import write_packet
from reports.views import packet_view

WITHDRAWABLE_STATES = {str(s) for s in WITHDRAWABLE}
INLINE = {"application/pdf", "image/jpeg", "image/png"}
PER_PAGE = 50
DECLARED = (("name", "姓名"), ("id_number", "身份证号"), ("gender", "性别"), ("phone", "联系电话"),
            ("unit_name", "工作单位"), ("unit_code", "单位代码"), ("year", "申报年度"),
            ("series", "申报系列"), ("specialty", "申报专业"), ("level", "申报级别"),
            ("title_name", "申报资格"), ("path", "申报途径"), ("current_title", "现职称"),
            ("current_title_date", "现职称取得时间"), ("education", "最高学历"), ("degree", "学位"),
            ("school", "毕业院校"), ("graduation_date", "毕业时间"),
            ("work_start_date", "参加工作时间"), ("ce_hours", "继续教育学时"),
            ("offline_review", "线下形式审查（单位填报）"), ("offline_result", "线下形式审查（中心登记）"))


def filters(request: Request) -> dict[str, Any]:
    """The list's filters from the query string, each checked (bad values are ignored)."""
    q = request.query_params

    def num(name: str) -> int | None:
        v = q.get(name, "")
        return int(v) if v.isdigit() and len(v) < 10 else None

    state = q.get("state", "")
    return {"year": num("year"), "state": state if state in {str(s) for s in LABELS} else None,
            "batch": num("batch"), "text": q.get("q", "")[:50], "unit": q.get("unit", "")[:18] or None,
            "sort": q.get("sort", "changed"), "descending": q.get("desc") == "1",
            "page": max(num("page") or 1, 1), "mine": q.get("mine") == "1"}


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    def run_search(who: Who, f: dict[str, Any], per_page: int = PER_PAGE
                   ) -> tuple[list[dict[str, Any]], int]:
        review_unit = who.unit_code if f["mine"] and not who.is_center else None
        return worklist.search(c.ctx, read_scope(c.ctx, who), year=f["year"], state=f["state"],
                               batch=f["batch"], text=f["text"], unit=f["unit"],
                               review_unit=review_unit, sort=f["sort"],
                               descending=f["descending"], page=f["page"], per_page=per_page)

    @r.get("/applications")
    def listing(request: Request) -> Response:
        who = c.who(request)
        f = filters(request)
        rows, total = run_search(who, f)
        keep = {k: v for k, v in request.query_params.items() if k != "page"}
        pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
        decidable = {row["id"] for row in rows if _may_decide(c, who, row["id"])}
        title = ("形式审查队列" if who.is_center and f["state"] == "center_review" else
                 "本单位审核队列" if f["mine"] else "申报列表")
        return c.page(request, "applications.html", title=title, rows=rows, total=total,
                      f=f, pages=pages, query=urlencode(keep), decidable=decidable,
                      back=str(request.url.path) + ("?" + request.url.query if request.url.query else ""))

    @r.get("/applications.xlsx")
    def export(request: Request) -> Response:
        who = c.who(request)
        f = filters(request)
        f["page"] = 1
        rows, _ = run_search(who, f, per_page=100000)

        return c.file(request, applications_workbook(rows), "申报列表.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @r.get("/applications/{app_id}")
    def detail(request: Request, app_id: int) -> Response:
        who = c.who(request)
        readable(c.ctx, who, app_id)
        return _detail(c, request, who, app_id)

    @r.get("/applications/{app_id}/materials/{material_id}")
    def material_file(request: Request, app_id: int, material_id: int) -> Response:
        who = c.who(request)
        m = material(c.ctx, who, app_id, material_id)
        if not m.sha256 or not c.ctx.blobs.exists(m.sha256):
            raise Hidden()
        media = m.media_type if m.media_type in INLINE else "application/octet-stream"
        return c.file(request, c.ctx.blobs.path(m.sha256), m.original_name, media,
                      inline=media in INLINE)

    @r.get("/applications/{app_id}/packet.pdf")
    def packet(request: Request, app_id: int) -> Response:
        who = c.who(request)
        readable(c.ctx, who, app_id)

        with tempfile.TemporaryDirectory() as tmp:
            pdf = write_packet(c.ctx, app_id, Path(tmp))[0]
            return c.file(request, pdf.read_bytes(), pdf.name, "application/pdf", inline=True)

    @r.post("/applications/{app_id}/decide")
    async def decide_one(request: Request, app_id: int) -> Response:
        who, form = await c.posted(request)
        stage = decision_stage(c.ctx, who, app_id)
        errors = _check_decision(form)
        if errors:
            return _detail(c, request, who, app_id, errors=errors, status=422, form=form)
        again = c.once(request, who, form, f"/applications/{app_id}")
        if again:
            return again
        try:
            d = reviews.decide(c.ctx, app_id, text(form, "decision"), text(form, "opinion"),
                               by=who.actor, stage=stage, unit=who.unit_code)
        except WorkflowError as exc:
            return _detail(c, request, who, app_id, errors=Errors(general=str(exc)), status=409)
        note = f"已记录：{reviews.DECISIONS[d.decision]}，申报现为“{LABELS[d.state]}”"
        return c.redirect(request, f"/applications/{app_id}", note)

    @r.post("/applications/decide")
    async def decide_many(request: Request) -> Response:
        who, form = await c.posted(request)
        back = text(form, "back") or "/applications"
        back = back if back.startswith("/") and not back.startswith("//") else "/applications"
        ids = ints(form, "ids")
        stages = {i: decision_stage(c.ctx, who, i) for i in ids}  # any id out of scope: 404
        errors = _check_decision(form)
        if not ids:
            errors.general = "请先勾选要审核的申报"
        if errors:
            return c.redirect(request, back, "；".join([errors.general, *errors.fields.values()]).strip("；"),
                              "error")
        again = c.once(request, who, form, back)
        if again:
            return again
        done, refused = 0, []
        for i in ids:
            try:
                reviews.decide(c.ctx, i, text(form, "decision"), text(form, "opinion"),
                               by=who.actor, stage=stages[i], unit=who.unit_code)
                done += 1
            except WorkflowError as exc:
                refused.append(str(exc))
        note = f"已对{done}份申报作出“{reviews.DECISIONS[text(form, 'decision')]}”决定"
        if refused:
            note += "；未执行：" + "；".join(refused[:5])
        return c.redirect(request, back, note, "warn" if refused else "ok")

    @r.post("/applications/{app_id}/withdraw")
    async def withdraw(request: Request, app_id: int) -> Response:
        who, form = await c.posted(request)
        if who.is_center:
            raise Hidden()
        readable(c.ctx, who, app_id)
        if not text(form, "reason"):
            return _detail(c, request, who, app_id, status=422,
                           errors=Errors(fields={"reason": "撤回申报必须填写原因"}))
        again = c.once(request, who, form, f"/applications/{app_id}")
        if again:
            return again
        try:
            withdrawal.withdraw(c.ctx, app_id, text(form, "reason"), by=who.actor, unit=who.unit_code)
        except NotFound:
            raise Hidden() from None
        except WorkflowError as exc:
            return _detail(c, request, who, app_id, errors=Errors(general=str(exc)), status=409)
        return c.redirect(request, f"/applications/{app_id}", "申报已撤回")

    return r


def _may_decide(c: Console, who: Who, app_id: int) -> bool:
    try:
        decision_stage(c.ctx, who, app_id)
        return True
    except Hidden:
        return False


def _check_decision(form: FormData) -> Errors:
    errors = Errors()
    decision = text(form, "decision")
    if decision not in reviews.DECISIONS:
        errors.fields["decision"] = "请选择审核决定"
    elif decision != "pass" and not text(form, "opinion"):
        errors.fields["opinion"] = f"{reviews.DECISIONS[decision]}必须填写审核意见，说明理由"
    return errors


def _detail(c: Console, request: Request, who: Who, app_id: int, *, errors: Errors | None = None,
            status: int = 200, form: FormData | None = None) -> Response:
    app = queries.show_application(c.ctx, app_id)
    declared = [(label, app.get(key)) for key, label in DECLARED]

    view = packet_view(c.ctx, app_id)
    return c.page(request, "application.html", status=status, title=f"申报{app_id} {app['name']}",
                  app=app, declared=declared, view=view, errors=errors or Errors(),
                  may_decide=_may_decide(c, who, app_id), inline=INLINE,
                  decisions=reviews.DECISIONS, posted=form,
                  may_withdraw=not who.is_center and app["state"] in WITHDRAWABLE_STATES)
