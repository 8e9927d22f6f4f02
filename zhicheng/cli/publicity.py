"""`zhicheng publicity open|object|resolve|show|close-due|confirm|reopen`: the unit's publicity."""

from __future__ import annotations

from datetime import date, datetime

import click

from pipeline.domain.vocabulary import PROPOSAL_LABELS, RESULT_LABELS, PublicityState, cn_date, cn_time
from pipeline.services import publicity as publicities
from pipeline.services import publicity_closing as closings
from zhicheng.cli.common import DATE, Obj, emit_json, say


@click.group()
def publicity() -> None:
    """所在单位申报公示：开始公示、登记与处理异议、关闭到期公示。"""


@publicity.command("open")
@click.argument("app_ids", type=int, nargs=-1)
@click.option("--unit", required=True, help="公示单位的统一社会信用代码")
@click.option("--start", type=DATE, required=True, help="公示开始日期（是工作日时计为第一天）")
@click.option("--days", type=int, required=True, help="公示天数（工作日）")
@click.option("--contact", required=True, help="单位联系人")
@click.option("--phone", required=True, help="联系电话")
@click.option("--by", "by", default="", help="操作人员姓名（记入处理记录）")
@click.option("--force", is_flag=True, help="开始日期早于今天时确认补登（须同时填写 --reason）")
@click.option("--reason", default="", help="使用 --force 的原因")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def open_(obj: Obj, app_ids: tuple[int, ...], unit: str, start: date, days: int, contact: str,
          phone: str, by: str, force: bool, reason: str, as_json: bool) -> None:
    """为单位（及其下级单位）“单位初审通过”的申报开始公示；不列申报编号时公示全部。"""
    ctx = obj.runtime().ctx
    pub_id = publicities.open_publicity(ctx, unit, start, days, contact, phone, app_ids, by=by,
                                        force=force, reason=reason)
    view = publicities.publicity_view(ctx, pub_id)
    if as_json:
        emit_json(view)
        return
    click.echo(pub_id)
    say(f"公示{pub_id}已开始：{cn_date(start)}起{days}个工作日，"
        f"至{cn_date(date.fromisoformat(view['end_date']))}止，共{len(view['applications'])}人")


@publicity.command("object")
@click.argument("publicity_id", type=int)
@click.option("--applicant", required=True, help="被提出异议的申报编号或身份证号")
@click.option("--reason", required=True, help="异议内容")
@click.option("--today", type=DATE, default=None, help="登记日期（默认今天）")
@click.option("--by", "by", default="", help="登记人员姓名（记入处理记录）")
@click.pass_obj
def object_(obj: Obj, publicity_id: int, applicant: str, reason: str, today: date | None,
            by: str) -> None:
    """登记公示期间收到的异议。"""
    oid = publicities.object_to(obj.runtime().ctx, publicity_id, applicant, reason, today=today,
                                by=by)
    click.echo(oid)
    say(f"异议{oid}已登记；核实后请执行 zhicheng publicity resolve {oid} --result upheld|dismissed --note …")


@publicity.command()
@click.argument("objection_id", type=int)
@click.option("--result", type=click.Choice(list(publicities.RESOLUTIONS)), required=True,
              help="upheld 异议成立（该申报人公示不通过）/ dismissed 异议不成立")
@click.option("--note", required=True, help="核实情况与处理说明")
@click.option("--by", "by", default="", help="处理人员姓名（记入处理记录）")
@click.pass_obj
def resolve(obj: Obj, objection_id: int, result: str, note: str, by: str) -> None:
    """处理一条异议（公示期内，或公示期满后对“公示异议待处理”的申报人）。"""
    publicities.resolve(obj.runtime().ctx, objection_id, result, note, by=by)
    say(f"异议{objection_id}已处理：{publicities.RESOLUTIONS[result]}")


@publicity.command()
@click.argument("publicity_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def show(obj: Obj, publicity_id: int, as_json: bool) -> None:
    """显示一个公示：期限、申报人与异议。"""
    v = publicities.publicity_view(obj.runtime().ctx, publicity_id)
    if as_json:
        emit_json(v)
        return
    state = "公示中" if v["state"] == PublicityState.OPEN else \
        f"已结束（{cn_time(datetime.fromisoformat(v['closed_at']))}）"
    click.echo(f"公示 {v['id']}  单位 {v['unit_code']}  {cn_date(date.fromisoformat(v['start_date']))}"
               f" 起 {v['days']} 个工作日，至 {cn_date(date.fromisoformat(v['end_date']))}  {state}")
    click.echo(f"  联系人 {v['contact']}  电话 {v['phone']}  开始公示：{v['created_by']}")
    for a in v["applications"]:
        outcome = (f"公示{RESULT_LABELS[a['result']]}（{a['confirmed_by']}确认）" if a["result"]
                   else PROPOSAL_LABELS.get(a["proposal"], ""))
        click.echo(f"  #{a['id']:<5} {a['name']}  {outcome}")
    for o in v["objections"]:
        done = publicities.RESOLUTIONS.get(o["resolution"] or "", "未处理")
        click.echo(f"  异议{o['id']}（申报{o['application_id']}）：{o['reason']}  [{done}]"
                   + (f" {o['note']}" if o["note"] else ""))


@publicity.command("close-due")
@click.option("--today", type=DATE, default=None, help="以该日期为今天（默认今天；晚于今天须 --force）")
@click.option("--force", is_flag=True, help="确认按晚于今天的日期关闭（须同时填写 --reason）")
@click.option("--reason", default="", help="使用 --force 的原因")
@click.option("--by", "by", default="", help="操作人员姓名（记入处理记录）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def close_due(obj: Obj, today: date | None, force: bool, reason: str, by: str,
              as_json: bool) -> None:
    """关闭所有公示期已满的公示，拟定公示结果（由单位用 confirm 确认后生效）。"""
    closing = closings.close_due(obj.runtime().ctx, today, by=by or "运维人员", force=force,
                                 reason=reason)
    if as_json:
        emit_json(closing.as_dict())
        return
    say(closing_summary(closing))
    for pid in closing.publicities:
        click.echo(pid)


def closing_summary(closing: closings.Closing) -> str:
    """One Chinese line for a closing sweep."""
    if not closing.publicities:
        return "没有到期的公示"
    return (f"已关闭 {len(closing.publicities)} 个到期公示：拟通过 {closing.passed} 人，"
            f"拟不通过 {closing.failed} 人，异议待处理 {closing.held} 人；"
            "请单位用 zhicheng publicity confirm 公示编号 --by 姓名 确认公示结果")


@publicity.command()
@click.argument("publicity_id", type=int)
@click.option("--by", "by", required=True, help="确认人员姓名（单位经办人）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def confirm(obj: Obj, publicity_id: int, by: str, as_json: bool) -> None:
    """单位确认公示结果：拟定的结果成为最终的“公示通过/公示未通过”。"""
    c = closings.confirm(obj.runtime().ctx, publicity_id, by=by)
    if as_json:
        emit_json({"id": c.publicity_id, "passed": c.passed, "failed": c.failed, "held": c.held})
        return
    say(f"公示{c.publicity_id}结果已确认：公示通过 {len(c.passed)} 人，公示未通过 {len(c.failed)} 人"
        + (f"；异议待处理 {len(c.held)} 人，处理后请再次确认" if c.held else ""))


@publicity.command()
@click.argument("publicity_id", type=int)
@click.option("--reason", required=True, help="重新开启的原因")
@click.option("--by", "by", required=True, help="中心工作人员姓名")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def reopen(obj: Obj, publicity_id: int, reason: str, by: str, as_json: bool) -> None:
    """（中心）重新开启一个关闭有误的公示：申报人回到“公示中”，记入处理记录。"""
    moved = closings.reopen(obj.runtime().ctx, publicity_id, reason, by=by)
    if as_json:
        emit_json({"id": publicity_id, "applications": moved})
        return
    say(f"公示{publicity_id}已重新开启，{len(moved)}人回到“公示中”")
