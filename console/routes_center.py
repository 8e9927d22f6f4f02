"""The center: overview, offline-review results, the register of units, and accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from console.web import Console, Errors, ints, text
from console.who import Hidden, Who, center_only
from intake.offline_list import MAX_BYTES, OfflineListError, read_offline_list
from pipeline.domain.identity import check_uscc
from pipeline.domain.vocabulary import OfflineResult, UnitStatus
from pipeline.services import accounts, jobs, offline_review, queries, unit_records, units, worklist
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    def center(request: Request, admin: bool = False) -> Who:
        who = c.who(request)
        center_only(who, admin)
        return who

    @r.get("/center")
    def overview(request: Request) -> Response:
        center(request)
        return c.page(request, "center.html", title="中心总览", o=queries.overview(c.ctx),
                      by_unit=worklist.counts_by_unit(c.ctx), runs=jobs.last_runs(c.ctx),
                      queue_units=worklist.center_queue_units(c.ctx))

    @r.post("/center/offline")
    async def offline(request: Request) -> Response:
        who, form = await c.posted(request)
        center_only(who)
        back = text(form, "back") or "/applications?state=center_review"
        back = back if back.startswith("/") and not back.startswith("//") else "/"
        ids, result = ints(form, "ids"), text(form, "result")
        if not ids or result not in tuple(OfflineResult):
            return c.redirect(request, back, "请勾选申报并选择线下形式审查结果（通过/未通过）", "error")
        again = c.once(request, who, form, back)
        if again:
            return again
        refused = []
        for i in ids:
            try:
                offline_review.record_offline_review(c.ctx, i, result, by=who.actor)
            except (WorkflowError, NotFound) as exc:
                refused.append(str(exc))
        note = f"已登记{len(ids) - len(refused)}份申报的线下形式审查结果：{result}"
        return c.redirect(request, back, note + ("；" + "；".join(refused[:5]) if refused else ""),
                          "warn" if refused else "ok")

    @r.post("/center/offline-list")
    async def offline_list(request: Request) -> Response:
        """The center window's list of results (身份证号、姓名、结果), uploaded: a list that cannot
        be read is refused whole; otherwise each good row is recorded and each bad one said."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES + 64 * 1024:
            center(request)
            return c.redirect(request, "/center#offline",
                              f"清单超过{MAX_BYTES // (1024 * 1024)} MB，未登记", "error")
        who, form = await c.posted(request)
        center_only(who)
        upload = form.get("list")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return c.redirect(request, "/center#offline", "请选择线下审查结果清单（XLSX 或 CSV）", "error")
        try:
            rows = read_offline_list(await upload.read(MAX_BYTES + 1), upload.filename)
        except OfflineListError as exc:
            return c.redirect(request, "/center#offline", f"未登记任何结果：{exc}", "error")
        again = c.once(request, who, form, "/center#offline")
        if again:
            return again
        done = offline_review.record_offline_list(c.ctx, rows, by=who.actor)
        note = f"已登记{len(done.applied)}人的线下形式审查结果"
        if done.problems:
            shown = "；".join(p.message for p in done.problems[:10])
            more = f"等{len(done.problems)}行" if len(done.problems) > 10 else ""
            note += f"；{len(done.problems)}行未登记：{shown}{more}"
        return c.redirect(request, "/center#offline", note, "warn" if done.problems else "ok")

    # --- units ------------------------------------------------------------------------------
    def units_page(request: Request, status: int = 200, errors: Errors | None = None,
                   form: dict[str, str] | None = None) -> Response:
        return c.page(request, "units.html", status=status, title="单位注册",
                      rows=units.list_units(c.ctx), errors=errors or Errors(), form=form or {},
                      kinds=unit_records.KINDS)

    @r.get("/center/units")
    def unit_list(request: Request) -> Response:
        center(request)
        return units_page(request)

    @r.post("/center/units")
    async def register(request: Request) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=True)
        raw = {k: text(form, k) for k in ("code", "name", "region", "kind", "parent_code")}
        data, problems = unit_records.validate({**raw, "status": UnitStatus.PENDING}, "")
        errors = Errors()
        if data is None:
            errors.general = "；".join(problems)
            return units_page(request, 422, errors, raw)
        return c.act_once(request, who, form, "/center/units",
                          lambda: units.register(c.ctx, data, actor=who.actor), units.UnitError,
                          lambda exc: units_page(request, 409, Errors(general=str(exc)), raw),
                          f"单位{data.code}已登记，待审核")

    @r.post("/center/units/{code}/status")
    async def status(request: Request, code: str) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=True)
        decision = text(form, "status")
        if decision not in (UnitStatus.APPROVED, UnitStatus.REFUSED):
            return units_page(request, 422, Errors(general="请选择审核结果"))
        if decision == UnitStatus.REFUSED and not text(form, "reason"):
            return units_page(request, 422, Errors(fields={f"reason-{code}": "不予通过时请填写原因"}))
        def hidden(exc: Exception) -> Response:  # no such unit
            raise Hidden() from None

        return c.act_once(request, who, form, "/center/units",
                          lambda: units.set_status(c.ctx, code, decision, actor=who.actor,
                                                   reason=text(form, "reason")),
                          units.UnitError, hidden, f"单位{code}：{decision}")

    @r.post("/center/units/{code}/link")
    async def link(request: Request, code: str) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=True)
        parent = text(form, "parent_code").upper() or None
        if parent and not check_uscc(parent)[0]:
            return units_page(request, 422, Errors(fields={f"parent-{code}": "上级单位代码无效"}))
        return c.act_once(request, who, form, "/center/units",
                          lambda: units.link(c.ctx, code, parent, actor=who.actor), units.UnitError,
                          lambda exc: units_page(request, 409, Errors(general=str(exc))),
                          f"单位{code}的上级单位已设为{parent or '中心'}")

    # --- accounts ---------------------------------------------------------------------------
    def accounts_page(request: Request, status: int = 200, errors: Errors | None = None,
                      form: dict[str, str] | None = None) -> Response:
        return c.page(request, "accounts.html", status=status, title="账号管理",
                      rows=accounts.list_users(c.ctx), roles=accounts.ROLES,
                      errors=errors or Errors(), form=form or {})

    @r.get("/center/accounts")
    def account_list(request: Request) -> Response:
        center(request, admin=True)
        return accounts_page(request)

    @r.post("/center/accounts")
    async def add(request: Request) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=True)
        raw = {k: text(form, k, 200) for k in ("username", "display_name", "role", "unit_code")}
        return c.act_once(request, who, form, "/center/accounts",
                          lambda: accounts.add_user(c.ctx, raw["username"], raw["display_name"],
                                                    str(form.get("password") or ""), raw["role"],
                                                    raw["unit_code"] or None, actor=who.actor),
                          accounts.AccountError,
                          lambda exc: accounts_page(request, 422, Errors(general=str(exc)), raw),
                          f"账号{raw['username']}已建立")

    @r.post("/center/accounts/{username}")
    async def change(request: Request, username: str) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=True)
        action = text(form, "action")
        if action not in ("disable", "enable", "reset"):
            raise Hidden()
        def act() -> None:
            if action == "reset":
                accounts.reset_password(c.ctx, username, str(form.get("password") or ""), actor=who.actor)
            else:
                accounts.set_disabled(c.ctx, username, action == "disable", actor=who.actor)

        done = {"disable": "已停用", "enable": "已启用", "reset": "密码已重置"}[action]
        return c.act_once(request, who, form, "/center/accounts", act, accounts.AccountError,
                          lambda exc: accounts_page(request, 422, Errors(general=str(exc))),
                          f"账号{username}{done}")

    return r
