"""`zhicheng recommend build|show`: the unit's recommendation batch (单位推荐上报)."""

from __future__ import annotations

import click

from pipeline.domain.vocabulary import CENTER
from pipeline.services import recommend as recommendations
from zhicheng.cli.common import Fail, Obj, emit_json, say


@click.group()
def recommend() -> None:
    """单位推荐上报：把公示通过的申报报送上级（主管单位或中心）。"""


@recommend.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--unit", required=True, help="推荐单位的统一社会信用代码")
@click.option("--year", type=int, required=True, help="申报年度")
@click.option("--by", "by", default="", help="经办人姓名（在推荐上报名册上署名）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def build(obj: Obj, ids: tuple[int, ...], unit: str, year: int, by: str, as_json: bool) -> None:
    """把单位该年度已确认“公示通过”的申报（或只是列出的申报编号）放入一个推荐上报批次，报送上级审核。"""
    ctx = obj.runtime().ctx
    b = recommendations.build(ctx, unit, year, by=by, ids=list(ids) or None)
    if b.batch_id is None:
        raise Fail(f"单位{unit.upper()} {year}年度没有“公示通过”的申报，未生成推荐上报批次")
    if as_json:
        emit_json({"id": b.batch_id, "created": b.created, "count": b.count,
                   "target_code": b.target})
        return
    click.echo(b.batch_id)
    if b.created:
        say(f"推荐上报批次{b.batch_id}已生成：{b.count}人，报送"
            + (f"主管单位{b.target}审核" if b.target else f"{CENTER}形式审查"))
    else:
        say(f"没有新的“公示通过”的申报；该单位{year}年度最近的推荐上报批次是{b.batch_id}")


@recommend.command()
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def show(obj: Obj, batch_id: int, as_json: bool) -> None:
    """显示一个推荐上报批次。"""
    v = recommendations.batch_view(obj.runtime().ctx, batch_id)
    if as_json:
        emit_json(v)
        return
    click.echo(f"推荐上报批次 {v['id']}  单位 {v['unit_code']}  {v['year']}年度  报送 "
               f"{v['target_code'] or CENTER}  {v['created_at_text']}  经办人 {v['created_by']}")
    for a in v["applications"]:
        click.echo(f"  #{a['id']:<5} {a['name']}  {a['state_label']}")
