"""`zhicheng publicity open|object|resolve|show|close-due`: the unit's publicity (申报公示)."""

from __future__ import annotations

from datetime import date, datetime

import click

from pipeline.services import publicity as publicities
from zhicheng.cli.common import Obj, emit_json, expected_errors, say
from zhicheng.cli.root import cli


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"日期“{value}”无效，请写作 2026-10-08", param, ctx)


DATE = DateType()


@cli.group()
def publicity() -> None:
    """所在单位申报公示：开始公示、登记与处理异议、关闭到期公示。"""


@publicity.command("open")
@click.argument("app_ids", type=int, nargs=-1)
@click.option("--unit", required=True, help="公示单位的统一社会信用代码")
@click.option("--start", type=DATE, required=True, help="公示开始日期（是工作日时计为第一天）")
@click.option("--days", type=int, required=True, help="公示天数（工作日）")
@click.option("--contact", required=True, help="单位联系人")
@click.option("--phone", required=True, help="联系电话")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def open_(obj: Obj, app_ids: tuple[int, ...], unit: str, start: date, days: int, contact: str,
          phone: str, as_json: bool) -> None:
    """为单位（及其下级单位）“单位初审通过”的申报开始公示；不列申报编号时公示全部。"""
    ctx = obj.runtime().ctx
    pub_id = publicities.open_publicity(ctx, unit, start, days, contact, phone, app_ids)
    view = publicities.publicity_view(ctx, pub_id)
    if as_json:
        emit_json(view)
        return
    click.echo(pub_id)
    say(f"公示{pub_id}已开始：{view['start_date']}起{days}个工作日，至{view['end_date']}止，"
        f"共{len(view['applications'])}人")


@publicity.command("object")
@click.argument("publicity_id", type=int)
@click.option("--applicant", required=True, help="被提出异议的申报编号或身份证号")
@click.option("--reason", required=True, help="异议内容")
@click.option("--today", type=DATE, default=None, help="登记日期（默认今天）")
@click.pass_obj
@expected_errors
def object_(obj: Obj, publicity_id: int, applicant: str, reason: str, today: date | None) -> None:
    """登记公示期间收到的异议。"""
    oid = publicities.object_to(obj.runtime().ctx, publicity_id, applicant, reason, today=today)
    click.echo(oid)
    say(f"异议{oid}已登记；核实后请执行 zhicheng publicity resolve {oid} --result upheld|dismissed --note …")


@publicity.command()
@click.argument("objection_id", type=int)
@click.option("--result", type=click.Choice(list(publicities.RESOLUTIONS)), required=True,
              help="upheld 异议成立（该申报人公示不通过）/ dismissed 异议不成立")
@click.option("--note", required=True, help="核实情况与处理说明")
@click.pass_obj
@expected_errors
def resolve(obj: Obj, objection_id: int, result: str, note: str) -> None:
    """处理一条异议。"""
    publicities.resolve(obj.runtime().ctx, objection_id, result, note)
    say(f"异议{objection_id}已处理：{publicities.RESOLUTIONS[result]}")


@publicity.command()
@click.argument("publicity_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def show(obj: Obj, publicity_id: int, as_json: bool) -> None:
    """显示一个公示：期限、申报人与异议。"""
    v = publicities.publicity_view(obj.runtime().ctx, publicity_id)
    if as_json:
        emit_json(v)
        return
    state = "公示中" if v["state"] == "open" else f"已结束（{v['closed_at']}）"
    click.echo(f"公示 {v['id']}  单位 {v['unit_code']}  {v['start_date']} 起 {v['days']} 个工作日，"
               f"至 {v['end_date']}  {state}")
    click.echo(f"  联系人 {v['contact']}  电话 {v['phone']}")
    results = {"passed": "通过", "failed": "未通过", None: ""}
    for a in v["applications"]:
        click.echo(f"  #{a['id']:<5} {a['name']}  {results[a['result']]}")
    for o in v["objections"]:
        done = publicities.RESOLUTIONS.get(o["resolution"] or "", "未处理")
        click.echo(f"  异议{o['id']}（申报{o['application_id']}）：{o['reason']}  [{done}]"
                   + (f" {o['note']}" if o["note"] else ""))


@publicity.command("close-due")
@click.option("--today", type=DATE, default=None, help="以该日期为今天（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def close_due(obj: Obj, today: date | None, as_json: bool) -> None:
    """关闭所有公示期已满（最后一个工作日已过）的公示，确定每位申报人的公示结果。"""
    closing = publicities.close_due(obj.runtime().ctx, today)
    if as_json:
        emit_json(closing.as_dict())
        return
    say(f"已关闭 {len(closing.publicities)} 个到期公示：公示通过 {closing.passed} 人，"
        f"公示未通过 {closing.failed} 人")
    for pid in closing.publicities:
        click.echo(pid)
