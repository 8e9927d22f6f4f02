"""`zhicheng review list|decide|offline`: the review queues and reviewers' decisions."""

from __future__ import annotations

import sys

import click

from pipeline.errors import Refused
from pipeline.services import review as reviews
from pipeline.domain.states import LABELS
from zhicheng.cli.apps import echo_rows
from zhicheng.cli.common import Obj, emit_json, expected_errors, say
from zhicheng.cli.root import cli

STAGES = click.Choice(list(reviews.STAGE_LABELS))


@cli.group()
def review() -> None:
    """审核队列与审核决定（所在单位初审、主管单位审核、中心形式审查）。"""


@review.command("list")
@click.option("--stage", type=STAGES, required=True,
              help="unit 所在单位初审 / supervisor 主管单位审核 / center 中心形式审查")
@click.option("--unit", default=None, help="审核单位的统一社会信用代码（center 环节：按申报单位筛选）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def list_(obj: Obj, stage: str, unit: str | None, as_json: bool) -> None:
    """列出一个审核队列中的申报（最早的在前），并显示需要审核人员关注的提示。"""
    rows = reviews.review_queue(obj.runtime().ctx, stage, unit)
    if as_json:
        emit_json(rows)
        return
    echo_rows(rows, flags_detail=True)
    say(f"{reviews.STAGE_LABELS[stage]}队列：{len(rows)} 份申报待审核")


@review.command()
@click.argument("app_id", type=int)
@click.option("--decision", type=click.Choice(list(reviews.DECISIONS)), required=True,
              help="pass 审核通过 / return 退回 / reject 审核不通过")
@click.option("--opinion", default="", help="审核意见（退回和审核不通过时必填）")
@click.option("--reviewer", default="", help="审核人员姓名")
@click.option("--stage", type=STAGES, default=None, help="只在申报处于该环节时作出决定")
@click.option("--unit", default=None, help="审核单位代码：只在申报位于该单位的队列时作出决定")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def decide(obj: Obj, app_id: int, decision: str, opinion: str, reviewer: str, stage: str | None,
           unit: str | None, as_json: bool) -> None:
    """对一份申报作出审核决定，记入审核记录与处理记录。"""
    d = reviews.decide(obj.runtime().ctx, app_id, decision, opinion, reviewer=reviewer,
                       stage=stage, unit=unit)
    if as_json:
        emit_json({"id": d.review_id, "application": d.application_id, "stage": d.stage,
                   "decision": d.decision, "state": str(d.state), "refused": d.refused})
    else:
        click.echo(d.review_id)
    if d.refused:
        click.echo(f"错误：{d.refused}", err=True)
        sys.exit(Refused.exit_code)  # the pass was refused (recorded as 审核不通过)
    say(f"申报{app_id}：{reviews.STAGE_LABELS[d.stage]}{reviews.DECISIONS[d.decision]}，"
        f"现为“{LABELS[d.state]}”")


@review.command()
@click.argument("app_id", type=int)
@click.option("--result", type=click.Choice(list(reviews.OFFLINE_RESULTS)), required=True,
              help="线下形式审查结果")
@click.option("--reviewer", default="", help="登记人员姓名")
@click.pass_obj
@expected_errors
def offline(obj: Obj, app_id: int, result: str, reviewer: str) -> None:
    """登记一份申报的线下形式审查结果（中心窗口）。"""
    reviews.record_offline_review(obj.runtime().ctx, app_id, result, reviewer=reviewer)
    say(f"申报{app_id}：线下形式审查结果已登记为“{result}”")
