"""`zhicheng units …`: the unit registry (CONTRACTS §1b)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.services import units as svc
from zhicheng.cli.common import Fail, Obj, emit_json, expected_errors, say
from zhicheng.cli.root import cli


@cli.group()
def units() -> None:
    """单位注册、审核与上下级关系。"""


@units.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def import_(obj: Obj, file: Path, as_json: bool) -> None:
    """从 CSV 或 XLSX 导入单位（统一社会信用代码、单位名称、统筹区……）。"""
    from intake.units_file import read_units_file

    if not file.is_file():
        raise Fail(f"找不到单位文件“{file}”")
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
        raise SystemExit(1)


@units.command()
@click.option("--code", required=True, help="统一社会信用代码")
@click.option("--name", required=True, help="单位名称")
@click.option("--region", default="", help="统筹区")
@click.option("--kind", default="", help="单位性质：机关/事业单位/国有企业/非公企业/社会组织")
@click.option("--approver", default="主管机构", type=click.Choice(["主管机构", "主管单位"]))
@click.option("--supervisor", "supervisor_code", default=None, help="主管单位统一社会信用代码")
@click.option("--parent", "parent_code", default=None, help="上级单位统一社会信用代码（不填为中心）")
@click.pass_obj
@expected_errors
def register(obj: Obj, **raw: str | None) -> None:
    """注册一个单位（待审核）。"""
    ctx = obj.runtime().ctx
    data, errors = svc.validate(dict(raw), "")
    if data is None:
        raise svc.UnitError("；".join(errors))
    svc.register(ctx, data)
    say(f"单位{data.code}（{data.name}）已注册，状态：{data.status}")
    click.echo(data.code)


@units.command()
@click.argument("code")
@click.option("--refuse", is_flag=True, help="审核不通过（未通过）")
@click.pass_obj
@expected_errors
def approve(obj: Obj, code: str, refuse: bool) -> None:
    """审核单位注册（已审核）；--refuse 为未通过。"""
    status = "未通过" if refuse else svc.APPROVED
    svc.set_status(obj.runtime().ctx, code, status)
    say(f"单位{code.upper()}的注册状态已改为“{status}”")


@units.command()
@click.argument("code")
@click.option("--parent", default=None, help="上级单位统一社会信用代码")
@click.option("--center", is_flag=True, help="上级为中心（清除上级单位）")
@click.pass_obj
@expected_errors
def link(obj: Obj, code: str, parent: str | None, center: bool) -> None:
    """配置上下级关系：单位的申报在本单位之后由谁审核。"""
    if bool(parent) == center:
        raise click.UsageError("请给出 --parent CODE 或 --center 之一")
    svc.link(obj.runtime().ctx, code, None if center else parent)
    say(f"单位{code.upper()}的上级已设为{'中心' if center else parent.upper()}")  # type: ignore[union-attr]


@units.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def list_(obj: Obj, as_json: bool) -> None:
    """列出所有单位。"""
    rows = svc.list_units(obj.runtime().ctx)
    if as_json:
        emit_json(rows)
        return
    for u in rows:
        click.echo(f"{u['code']}  {u['name']}  {u['region']}  {u['kind']}  {u['status']}  "
                   f"上级：{u['parent_code'] or '中心'}")
    if not rows:
        say("尚无单位；用 zhicheng units import FILE 导入。")
