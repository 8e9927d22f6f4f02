"""`zhicheng apps list|show|withdraw`: applications with their findings and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from pipeline.domain.findings import SEVERITY_LABELS, Severity
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import DECISION_LABELS, STAGE_LABELS, cn_time, event_label, rule_label
from pipeline.services import queries
from pipeline.services.intake_commit import describe_changes
from pipeline.services.withdrawal import withdraw as take_back
from zhicheng.cli.common import Obj, emit_json, say

READ_LABELS = (("name", "姓名"), ("id_number", "身份证号"), ("certificate_number", "证书编号"),
               ("ce_total_hours", "合计学时"), ("ce_public_hours", "公需"),
               ("ce_professional_hours", "专业"))


@click.group()
def apps() -> None:
    """查看申报。"""


@apps.command("list")
@click.option("--state", default=None, type=click.Choice([s.value for s in State]), help="按状态筛选")
@click.option("--unit", default=None, help="按单位统一社会信用代码筛选")
@click.option("--year", type=int, default=None, help="按申报年度筛选")
@click.option("--batch", type=int, default=None, help="按批次筛选")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def list_(obj: Obj, state: str | None, unit: str | None, year: int | None, batch: int | None,
          as_json: bool) -> None:
    """列出申报及其审核发现。"""
    rows = queries.list_applications(obj.runtime().ctx, state=state, unit=unit, year=year,
                                     batch=batch)
    if as_json:
        emit_json(rows)
        return
    echo_rows(rows)
    if not rows:
        click.echo("没有符合条件的申报。", err=True)


def echo_rows(rows: list[dict[str, Any]], flags_detail: bool = False) -> None:
    """One line per application; with flags_detail, each warning under it (review queues)."""
    for a in rows:
        counts = {s: sum(1 for f in a["findings"] if f["severity"] == s) for s in Severity}
        flags = "，".join(f"{SEVERITY_LABELS[s]}{n}" for s, n in counts.items() if n)
        click.echo(f"#{a['id']:<5} {a['name']:<6} {a['id_number']}  {a['year']} {a['level'] or ''}"
                   f" {a['title_name']}  {a['state_label']}" + (f"（{flags}）" if flags else ""))
        if flags_detail:
            for f in a["findings"]:
                if f["severity"] != Severity.INFO:
                    click.echo(f"         [{SEVERITY_LABELS[Severity(f['severity'])]}] {f['message']}")


@apps.command()
@click.argument("app_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def show(obj: Obj, app_id: int, as_json: bool) -> None:
    """显示一份申报：基本信息、材料、审核发现与处理记录。"""
    a = queries.show_application(obj.runtime().ctx, app_id)
    if as_json:
        emit_json(a)
        return
    click.echo(f"申报 #{a['id']}：{a['name']}（{a['id_number']}）  状态：{a['state_label']}")
    click.echo(f"  单位：{a['unit_code']} {a['unit_name'] or ''}")
    click.echo(f"  {a['year']}年度 {a['series'] or ''}系列 {a['specialty'] or ''} {a['level'] or ''} "
               f"{a['title_name']}  申报途径：{a['path']}")
    click.echo(f"  线下形式审查：中心登记 {a.get('offline_result') or '未登记'}"
               + (f"（{a['offline_result_by']}）" if a.get("offline_result_by") else "")
               + f"；单位申报 {a['offline_review'] or '未填写'}")
    click.echo(f"  学历：{a['education'] or ''} {a['degree'] or ''} {a['school'] or ''} 毕业 {a['graduation_date'] or ''}")
    click.echo(f"  现职称：{a['current_title'] or '无'} {a['current_title_date'] or ''}"
               f"  继续教育：{a['ce_hours'] if a['ce_hours'] is not None else '未填'}学时")
    if a["last_error"]:
        click.echo(f"  故障：{a['last_error']}")
    if a.get("changes"):
        click.echo(f"  退回后重新提交的变化（{_when(a['changes']['at'])}）：{describe_changes(a['changes'])}")
    click.echo(f"材料（{len(a['materials'])}）：")
    for m in a["materials"]:
        info = m["media_type"] or m["detected"] or "未检查"
        if m["pages"]:
            info += f"，{m['pages']}页"
        click.echo(f"  {m['kind']:<12} {m['file']}  {info}")
        r = m.get("reading") or {}
        trust = r.get("trust") or {}
        shown = [f"{label}：{'未能可靠识别' if trust.get(key) == 'unsure' else r[key]}"
                 for key, label in READ_LABELS if r.get(key)]
        if r.get("error"):
            shown.append(f"未能识别：{r['error']}")
        if shown:
            click.echo("      识别结果  " + "  ".join(shown))
    if a.get("ocr_comparisons"):
        click.echo("证书识别与申报信息比对：")
        for c in a["ocr_comparisons"]:
            read = "未能可靠识别" if c["status"] == "unsure" else c["read"]
            declared = f"  申报 {c['declared']}" if c["declared"] else ""
            click.echo(f"  {c['kind']:<12} {c['label']}：识别 {read}{declared}  {c['status_label']}")
    click.echo(f"审核发现（{len(a['findings'])}）：")
    for f in a["findings"]:
        click.echo(f"  [{SEVERITY_LABELS[Severity(f['severity'])]}] {rule_label(f['rule'])}：{f['message']}")
    if a["reviews"]:
        click.echo("审核记录：")
        for r in a["reviews"]:
            click.echo(f"  {_when(r['at'])}  {STAGE_LABELS.get(r['stage'], r['stage'])}  "
                       f"{DECISION_LABELS.get(r['decision'], r['decision'])}  {r['reviewer'] or ''}"
                       + (f"  意见：{r['opinion']}" if r["opinion"] else ""))
    click.echo("处理记录：")
    for e in a["events"]:
        move = f"{LABELS.get(State(e['from']), e['from']) if e['from'] else ''} → " \
               f"{LABELS.get(State(e['to']), e['to'])}" if e["to"] else ""
        click.echo(f"  {_when(e['at'])}  {e['actor']}  {event_label(e['action'])}"
                   + (f"  {move}" if move else "") + (f"  {e['reason']}" if e["reason"] else ""))


def _when(iso: str | None) -> str:
    """A stored ISO stamp as people read it (China time, no `T`)."""
    return cn_time(datetime.fromisoformat(iso)) if iso else ""


@apps.command()
@click.argument("app_id", type=int)
@click.option("--reason", required=True, help="撤回原因（记入处理记录）")
@click.option("--by", "by", required=True, help="操作人员姓名")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def withdraw(obj: Obj, app_id: int, reason: str, by: str, as_json: bool) -> None:
    """撤回一份尚未经上级审核的申报（已撤回的申报不再占用本年度的申报名额）。"""
    done = take_back(obj.runtime().ctx, app_id, reason, by=by)
    if as_json:
        emit_json({"id": done.application_id, "state": str(State.WITHDRAWN),
                   "previous": str(done.previous)})
        return
    say(f"申报{app_id}已撤回（原为“{LABELS[done.previous]}”）；修改后可重新提交")
