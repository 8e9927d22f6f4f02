"""JSON API parity under /api/v1 for units' own systems: list, decide, publicity, recommend.

Either a bearer token (`zhicheng units token`) or a console session; a session's POST carries
its CSRF token in the X-CSRF-Token header. The scope is the console's: outside it, 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from console.web import Console
from console.who import Hidden, Who, decision_stage, of_account, of_token, owns_unit_work, read_scope
from intake.api.app import ERRORS, bearer
from intake.api.errors import ApiError
from pipeline.services import access, publicity, publicity_closing, queries, recommend, tokens, withdrawal, worklist
from pipeline.services import review as reviews
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound


class DecisionIn(BaseModel):
    decision: str = Field(description="pass 审核通过 / return 退回 / reject 审核不通过")
    opinion: str = Field("", max_length=2000, description="审核意见（退回、审核不通过时必填）")


class PublicityIn(BaseModel):
    start: date = Field(description="公示开始日期")
    days: int = Field(ge=1, le=366, description="公示天数（工作日）")
    contact: str = Field(max_length=100)
    phone: str = Field(max_length=40)
    applications: list[int] = Field(min_length=1, description="参加公示的申报编号")


class ObjectionIn(BaseModel):
    applicant: str = Field(max_length=40, description="申报编号或身份证号")
    reason: str = Field(max_length=2000)


class ResolutionIn(BaseModel):
    result: str = Field(description="upheld 异议成立 / dismissed 异议不成立")
    note: str = Field(max_length=2000)


class WithdrawIn(BaseModel):
    reason: str = Field(max_length=2000, description="撤回原因")


class RecommendIn(BaseModel):
    year: int = Field(ge=2000, le=2100)


def routes(c: Console) -> APIRouter:
    api = APIRouter(prefix="/api/v1", responses=ERRORS)

    def caller(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Who:
        if creds is not None:
            principal = tokens.authenticate(c.ctx, creds.credentials)
            if principal is None:
                raise ApiError(401, "auth.invalid", "令牌无效或已被吊销：请向中心申请新的令牌")
            return of_token(principal)
        acct = c.sessions.account(request)
        if acct is None:
            raise ApiError(401, "auth.required", "缺少令牌：请在请求头 Authorization 中提供“Bearer 令牌”，"
                           "或先登录工作台")
        if request.method != "GET" and not c.sessions.csrf_ok(request, request.headers.get("x-csrf-token")):
            raise ApiError(403, "csrf.invalid", "以登录会话调用接口时须在请求头 X-CSRF-Token 中提供表单令牌")
        return of_account(acct)

    def hidden(what: str) -> ApiError:
        return ApiError(404, f"{what}.not_found", "不存在，或不在本单位（及下级单位）的工作范围内")

    @api.get("/applications", tags=["查询"], summary="申报列表：按年度、状态、批次、姓名或身份证号筛选")
    def list_applications(who: Who = Depends(caller), year: int | None = Query(None, ge=2000, le=2100),
                          state: str | None = Query(None, max_length=24),
                          batch: int | None = Query(None, ge=1, le=2**31 - 1),
                          q: str = Query("", max_length=50, description="姓名、身份证号或申报编号"),
                          review: bool = Query(False, description="只列出在本单位审核队列中的申报"),
                          page: int = Query(1, ge=1, le=100000),
                          per_page: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        rows, total = worklist.search(c.ctx, read_scope(c.ctx, who), year=year, state=state,
                                      batch=batch, text=q, page=page, per_page=per_page,
                                      review_unit=who.unit_code if review and not who.is_center else None)
        for row in rows:
            row["state_changed_at"] = row["state_changed_at"].isoformat(timespec="seconds")
        return {"total": total, "page": page, "per_page": per_page, "applications": rows}

    @api.post("/applications/{application_id}/decisions", tags=["审核"],
              summary="审核决定（所在单位初审、主管单位审核、中心形式审查）")
    def decide(application_id: int = Path(ge=1, le=2**31 - 1), body: DecisionIn = Body(...),
               who: Who = Depends(caller)) -> dict[str, Any]:
        try:
            stage = decision_stage(c.ctx, who, application_id)
        except Hidden:
            raise hidden("application") from None
        try:
            d = reviews.decide(c.ctx, application_id, body.decision, body.opinion,
                               by=who.actor, stage=stage, unit=who.unit_code)
        except WorkflowError as exc:
            raise ApiError(409, "decision.refused", str(exc)) from None
        return {"application": application_id, "stage": d.stage, "decision": d.decision,
                "state": str(d.state), "review": d.review_id}

    @api.post("/publicities", status_code=201, tags=["公示"], summary="开始公示")
    def open_publicity(body: PublicityIn, who: Who = Depends(caller)) -> dict[str, Any]:
        if who.is_center or who.unit_code is None:
            raise ApiError(403, "publicity.unit_only", "公示由单位开始，中心令牌不能开始公示")
        try:
            pid = publicity.open_publicity(c.ctx, who.unit_code, body.start, body.days, body.contact,
                                           body.phone, body.applications, by=who.actor)
        except (WorkflowError, NotFound) as exc:
            raise ApiError(409, "publicity.refused", str(exc)) from None
        return publicity.publicity_view(c.ctx, pid)

    def own_publicity(who: Who, pid: int) -> None:
        try:
            owns_unit_work(who, worklist.publicity_owner(c.ctx, pid))
        except Hidden:
            raise hidden("publicity") from None

    @api.get("/publicities/{publicity_id}", tags=["公示"], summary="一次公示：人员与异议")
    def read_publicity(publicity_id: int = Path(ge=1, le=2**31 - 1),
                       who: Who = Depends(caller)) -> dict[str, Any]:
        owner = worklist.publicity_owner(c.ctx, publicity_id)
        if owner is None or not (who.is_center or who.unit_code == owner):
            raise hidden("publicity")
        return publicity.publicity_view(c.ctx, publicity_id)

    @api.post("/publicities/{publicity_id}/objections", status_code=201, tags=["公示"], summary="登记异议")
    def object_to(body: ObjectionIn, publicity_id: int = Path(ge=1, le=2**31 - 1),
                  who: Who = Depends(caller)) -> dict[str, Any]:
        own_publicity(who, publicity_id)
        try:
            oid = publicity.object_to(c.ctx, publicity_id, body.applicant, body.reason, by=who.actor)
        except (WorkflowError, NotFound) as exc:
            raise ApiError(409, "objection.refused", str(exc)) from None
        return {"id": oid, "publicity": publicity_id}

    @api.post("/publicities/{publicity_id}/objections/{objection_id}/resolution", tags=["公示"],
              summary="处理异议（成立 / 不成立）")
    def resolve(body: ResolutionIn, publicity_id: int = Path(ge=1, le=2**31 - 1),
                objection_id: int = Path(ge=1, le=2**31 - 1), who: Who = Depends(caller)) -> dict[str, Any]:
        own_publicity(who, publicity_id)
        if objection_id not in {o["id"] for o in publicity.publicity_view(c.ctx, publicity_id)["objections"]}:
            raise hidden("objection")
        try:
            publicity.resolve(c.ctx, objection_id, body.result, body.note, by=who.actor)
        except (WorkflowError, NotFound) as exc:
            raise ApiError(409, "objection.refused", str(exc)) from None
        return {"id": objection_id, "result": body.result}

    @api.post("/publicities/{publicity_id}/confirmation", tags=["公示"],
              summary="确认公示结果（公示期满后，单位保存结果）")
    def confirm(publicity_id: int = Path(ge=1, le=2**31 - 1), who: Who = Depends(caller)) -> dict[str, Any]:
        own_publicity(who, publicity_id)
        try:
            done = publicity_closing.confirm(c.ctx, publicity_id, by=who.actor)
        except (WorkflowError, NotFound) as exc:
            raise ApiError(409, "publicity.refused", str(exc)) from None
        return {"publicity": publicity_id, "passed": done.passed, "failed": done.failed,
                "held": done.held}

    @api.post("/applications/{application_id}/withdrawal", tags=["审核"],
              summary="撤回申报（尚未经上级审核的）")
    def withdraw(body: WithdrawIn, application_id: int = Path(ge=1, le=2**31 - 1),
                 who: Who = Depends(caller)) -> dict[str, Any]:
        if who.is_center or not access.can_read_application(c.ctx, who.principal, application_id):
            raise hidden("application")
        try:
            done = withdrawal.withdraw(c.ctx, application_id, body.reason, by=who.actor,
                                       unit=who.unit_code)
        except NotFound:
            raise hidden("application") from None
        except WorkflowError as exc:
            raise ApiError(409, "withdrawal.refused", str(exc)) from None
        return {"application": application_id, "previous": str(done.previous), "state": "withdrawn"}

    @api.post("/recommendations", status_code=201, tags=["推荐上报"], summary="推荐上报一个年度公示通过的人员")
    def build(body: RecommendIn, who: Who = Depends(caller)) -> dict[str, Any]:
        if who.is_center or who.unit_code is None:
            raise ApiError(403, "recommend.unit_only", "推荐上报由单位提交，中心令牌不能推荐上报")
        try:
            built = recommend.build(c.ctx, who.unit_code, body.year, by=who.actor)
        except (WorkflowError, NotFound) as exc:
            raise ApiError(409, "recommend.refused", str(exc)) from None
        if not built.created or built.batch_id is None:
            raise ApiError(409, "recommend.nothing", f"{body.year}年度没有公示通过、待推荐上报的人员")
        return recommend.batch_view(c.ctx, built.batch_id)

    @api.get("/batches/{batch_id}/applications", tags=["查询"], summary="批次回执：每位申报人的状态与退回原因")
    def receipt(batch_id: int = Path(ge=1, le=2**31 - 1), who: Who = Depends(caller)) -> dict[str, Any]:
        if not access.can_read_batch(c.ctx, who.principal, batch_id):
            raise hidden("batch")
        rows, _ = worklist.search(c.ctx, read_scope(c.ctx, who), batch=batch_id, sort="id",
                                  per_page=100000)
        details = {r["id"]: queries.show_application(c.ctx, r["id"])["findings"] for r in rows}
        return {"batch": batch_id, "applications": [
            {"id": r["id"], "name": r["name"], "state": r["state"], "state_label": r["state_label"],
             "blocking": [f["message"] for f in details[r["id"]] if f["severity"] == "block"]}
            for r in rows]}

    return api
