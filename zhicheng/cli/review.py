"""`zhicheng review list|decide|offline`: the review queues and reviewers' decisions."""

from __future__ import annotations

from pathlib import Path

import click

from intake.offline_list import MAX_BYTES as OFFLINE_MAX_BYTES
from intake.offline_list import read_offline_list
from pipeline.context import Context
from pipeline.domain.states import LABELS
from pipeline.domain.vocabulary import STAGE_LABELS
from pipeline.services import offline_review as offline_reviews
from pipeline.services import review as reviews
from zhicheng.cli.apps import echo_rows
from zhicheng.cli.common import Fail, Obj, emit_json, say

STAGES = click.Choice(list(STAGE_LABELS))


@click.group()
def review() -> None:
    """审核队列与审核决定（所在单位初审、主管单位审核、中心形式审查）。"""


@review.command("list")
@click.option("--stage", type=STAGES, required=True,
              help="unit 所在单位初审 / supervisor 主管单位审核 / center 中心形式审查")
@click.option("--unit", default=None, help="审核单位的统一社会信用代码（center 环节：按申报单位筛选）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def list_(obj: Obj, stage: str, unit: str | None, as_json: bool) -> None:
    """列出一个审核队列中的申报（最早的在前），并显示需要审核人员关注的提示。"""
    rows = reviews.review_queue(obj.runtime().ctx, stage, unit)
    if as_json:
        emit_json(rows)
        return
    echo_rows(rows, flags_detail=True)
    say(f"{STAGE_LABELS[stage]}队列：{len(rows)} 份申报待审核")


@review.command()
@click.argument("app_id", type=int)
@click.option("--decision", type=click.Choice(list(reviews.DECISIONS)), required=True,
              help="pass 审核通过 / return 退回 / reject 审核不通过")
@click.option("--opinion", default="", help="审核意见（退回和审核不通过时必填）")
@click.option("--by", "by", default="", help="审核人员姓名（记入处理记录）")
@click.option("--reviewer", default="", help="同 --by（旧名，仍可使用）")
@click.option("--stage", type=STAGES, default=None, help="只在申报处于该环节时作出决定")
@click.option("--unit", default=None, help="审核单位代码：只在申报位于该单位的队列时作出决定")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def decide(obj: Obj, app_id: int, decision: str, opinion: str, by: str, reviewer: str,
           stage: str | None, unit: str | None, as_json: bool) -> None:
    """对一份申报作出审核决定，记入审核记录与处理记录；被拒绝的决定不作任何变更。"""
    d = reviews.decide(obj.runtime().ctx, app_id, decision, opinion, by=by or reviewer,
                       stage=stage, unit=unit)
    if as_json:
        emit_json({"id": d.review_id, "application": d.application_id, "stage": d.stage,
                   "decision": d.decision, "state": str(d.state), "refused": d.refused})
    else:
        click.echo(d.review_id)
    say(f"申报{app_id}：{STAGE_LABELS[d.stage]}{reviews.DECISIONS[d.decision]}，"
        f"现为“{LABELS[d.state]}”")


@review.command()
@click.argument("app_id", type=int, required=False)
@click.option("--result", type=click.Choice(list(reviews.OFFLINE_RESULTS)), default=None,
              help="线下形式审查结果（登记一份申报时）")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="中心窗口的线下审查结果清单（XLSX 或 CSV，列：身份证号、姓名、结果）")
@click.option("--by", "by", default="", help="登记人员姓名（记入处理记录）")
@click.option("--reviewer", default="", help="同 --by（旧名）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def offline(obj: Obj, app_id: int | None, result: str | None, file: Path | None, by: str,
            reviewer: str, as_json: bool) -> None:
    """登记线下形式审查结果（中心窗口）：一份申报，或用 --file 导入一份清单。

    花名册中的“线下形式审查”仅为单位申报，中心以此处登记的结果为准。
    """
    ctx = obj.runtime().ctx
    if file is not None:
        if app_id is not None or result is not None:
            raise Fail("使用 --file 时不要再写申报编号或 --result")
        _offline_file(ctx, file, by or reviewer, as_json)
        return
    if app_id is None or result is None:
        raise Fail("请写申报编号和 --result 通过|未通过，或用 --file 导入线下审查结果清单")
    offline_reviews.record_offline_review(ctx, app_id, result, by=by or reviewer)
    if as_json:
        emit_json({"applied": [{"application": app_id, "result": result}], "problems": []})
    say(f"申报{app_id}：中心登记线下形式审查结果为“{result}”")


def _offline_file(ctx: Context, file: Path, by: str, as_json: bool) -> None:
    if not file.is_file():
        raise Fail(f"找不到文件“{file}”")
    with file.open("rb") as fh:  # at most a byte over the cap: a huge file is refused unread
        rows = read_offline_list(fh.read(OFFLINE_MAX_BYTES + 1), file.name)
    done = offline_reviews.record_offline_list(ctx, rows, by=by)
    if as_json:
        emit_json({"applied": [{"application": a, "result": r} for a, r in done.applied],
                   "problems": [p.__dict__ for p in done.problems]})
    say(f"已登记 {len(done.applied)} 人的线下形式审查结果，{len(done.problems)} 行未登记")
    for p in done.problems:
        say(f"  {p.message}")
    if done.problems and not done.applied:
        raise SystemExit(1)
