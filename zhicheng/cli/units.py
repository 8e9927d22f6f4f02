"""`zhicheng units …`: the unit registry (docs/workflow.md)."""

from __future__ import annotations

from pathlib import Path

import click

from intake.units_file import read_units_file
from pipeline.domain.vocabulary import Approver, UnitStatus
from pipeline.errors import NotFound, Refused
from pipeline.services import tokens as svc_tokens
from pipeline.services import unit_records
from pipeline.services import units as svc
from zhicheng.cli.common import Obj, emit_json, say


@click.group()
def units() -> None:
    """单位注册、审核与上下级关系。"""


@units.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def import_(obj: Obj, file: Path, as_json: bool) -> None:
    """从 CSV 或 XLSX 导入单位（统一社会信用代码、单位名称、统筹区……）。"""
    if not file.is_file():
        raise NotFound(f"找不到单位文件“{file}”")
    ctx = obj.runtime().ctx
    rows, problems = read_units_file(file)
    report = svc.import_units(ctx, rows) if rows else svc.UnitImportReport()
    report.problems[:0] = problems
    if as_json:
        emit_json({"created": report.created, "updated": report.updated,
                   "problems": [p.__dict__ for p in report.problems]})
    else:
        say(f"新注册 {len(report.created)} 个单位，更新 {len(report.updated)} 个单位")
        for p in report.problems:
            say(f"  [{p.code}] {p.message}")
    if report.problems and not (report.created or report.updated):
        raise SystemExit(Refused.exit_code)  # nothing could be registered


@units.command()
@click.option("--code", required=True, help="统一社会信用代码")
@click.option("--name", required=True, help="单位名称")
@click.option("--region", default="", help="统筹区：省本级、某市州本级或县（市、区），如 雨花区")
@click.option("--kind", default="", help="单位性质：机关/事业单位/国有企业/非公企业/社会组织")
@click.option("--approver", default=Approver.AUTHORITY.value, type=click.Choice([a.value for a in Approver]))
@click.option("--supervisor", "supervisor_code", default=None, help="主管单位统一社会信用代码")
@click.option("--parent", "parent_code", default=None, help="上级单位统一社会信用代码（不填为中心）")
@click.option("--county-level", "county_level", default=None, type=click.Choice(["是", "否"]),
              help="是否县级单位（不填时按统筹区判断：以“县”结尾的为县级单位）")
@click.option("--contact", "contact_name", default="", help="单位经办人姓名")
@click.option("--contact-phone", "contact_phone", default="", help="单位经办人电话")
@click.option("--category", "business_category", default="", help="业务类别")
@click.option("--by", "by", default="", help="操作人员姓名（记入处理记录）")
@click.pass_obj
def register(obj: Obj, /, by: str, **raw: str | None) -> None:
    """注册一个单位（待审核）；主管单位须已注册，统筹区须为湖南省的统筹区。"""
    ctx = obj.runtime().ctx
    data, errors = unit_records.validate(dict(raw), "")
    if data is None:
        raise svc.UnitError("；".join(errors))
    svc.register(ctx, data, by or "系统")
    say(f"单位{data.code}（{data.name}）已注册，状态：{data.status}")
    click.echo(data.code)


@units.command()
@click.argument("code")
@click.option("--refuse", is_flag=True, help="审核不通过（未通过）；原因请用 zhicheng units refuse")
@click.option("--reason", default="", help="未通过的原因")
@click.option("--by", "by", default="", help="审核人员姓名（记入处理记录）")
@click.pass_obj
def approve(obj: Obj, code: str, refuse: bool, reason: str, by: str) -> None:
    """审核单位注册（已审核）；--refuse 为未通过。"""
    status = UnitStatus.REFUSED if refuse else UnitStatus.APPROVED
    svc.set_status(obj.runtime().ctx, code, status, by or "系统", reason)
    say(f"单位{code.upper()}的注册状态已改为“{status}”")


@units.command("refuse")
@click.argument("code")
@click.option("--reason", required=True, help="注册审核不通过的原因（告知单位）")
@click.option("--by", "by", default="", help="审核人员姓名（记入处理记录）")
@click.pass_obj
def refuse_(obj: Obj, code: str, reason: str, by: str) -> None:
    """单位注册审核不通过，记录原因。"""
    svc.refuse(obj.runtime().ctx, code, reason, by=by or "系统")
    say(f"单位{code.upper()}的注册审核未通过，原因：{reason.strip()}")


@units.command()
@click.argument("code")
@click.option("--parent", default=None, help="上级单位统一社会信用代码")
@click.option("--center", is_flag=True, help="上级为中心（清除上级单位）")
@click.pass_obj
def link(obj: Obj, code: str, parent: str | None, center: bool) -> None:
    """配置上下级关系：单位的申报在本单位之后由谁审核。"""
    if bool(parent) == center:
        raise click.UsageError("请给出 --parent CODE 或 --center 之一")
    target = None if center or parent is None else parent.upper()
    svc.link(obj.runtime().ctx, code, target)
    say(f"单位{code.upper()}的上级已设为{target or '中心'}")


@units.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def list_(obj: Obj, as_json: bool) -> None:
    """列出所有单位。"""
    rows = svc.list_units(obj.runtime().ctx)
    if as_json:
        emit_json(rows)
        return
    for u in rows:
        contact = f"  经办人：{u['contact_name']} {u['contact_phone'] or ''}" if u["contact_name"] else ""
        refused = f"  未通过原因：{u['refusal_reason']}" if u["refusal_reason"] else ""
        click.echo(f"{u['code']}  {u['name']}  {u['region']}  {u['kind']}  {u['status']}  "
                   f"上级：{u['parent_code'] or '中心'}{contact}{refused}")
    if not rows:
        say("尚无单位；用 zhicheng units import FILE 导入。")


@units.command()
@click.argument("code", required=False)
@click.option("--center", is_flag=True, help="签发中心的令牌（可查看全部申报）")
@click.option("--label", default="", help="备注，如“人事科张三的上传脚本”")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（含 id 与 token）")
@click.pass_obj
def token(obj: Obj, code: str | None, center: bool, label: str, as_json: bool) -> None:
    """为单位（或 --center 为中心）签发 HTTP 接口令牌；令牌只显示这一次，系统只保存其摘要。"""
    if bool(code) == center:
        raise click.UsageError("请给出单位统一社会信用代码 CODE，或 --center 之一")
    unit = None if center or code is None else code.upper()
    token_id, value = svc_tokens.issue(obj.runtime().ctx, None if center else code, label)
    who = f"单位{unit}" if unit else "中心"
    if as_json:
        emit_json({"id": token_id, "token": value, "unit_code": unit,
                   "center": center, "label": label})
        return
    click.echo(value)
    say(f"已为{who}签发令牌 {token_id}。令牌只显示这一次，请妥善转交；"
        f"吊销：zhicheng units revoke-token {token_id}")


@units.command()
@click.argument("code", required=False)
@click.option("--center", is_flag=True, help="只列出中心的令牌")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def tokens(obj: Obj, code: str | None, center: bool, as_json: bool) -> None:
    """列出令牌（不显示令牌本身）：某单位的、中心的或全部。"""
    rows = svc_tokens.list_tokens(obj.runtime().ctx, code, center)
    if as_json:
        emit_json(rows)
        return
    for t in rows:
        state = "有效" if t["active"] else f"已吊销（{t['revoked_at']}）"
        click.echo(f"{t['id']:>4}  {t['unit_code'] or '中心':<18}  {t['prefix']}…  {state}  "
                   f"签发 {t['created_at']}  最近使用 {t['last_used_at'] or '从未'}  {t['label']}")
    if not rows:
        say("没有令牌。")


@units.command("revoke-token")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke_token(obj: Obj, token_id: int) -> None:
    """吊销一个令牌：此后用它的请求一律拒绝。"""
    if svc_tokens.revoke(obj.runtime().ctx, token_id):
        say(f"令牌 {token_id} 已吊销")
    else:
        say(f"令牌 {token_id} 此前已吊销")
