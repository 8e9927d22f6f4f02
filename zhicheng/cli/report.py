"""`zhicheng report …`: packets for reviewers, the publicity notice, the recommendation roster and
the unit's review sheet (issue 5). Each command prints the files it wrote, one per line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from pipeline.domain.states import State
from pipeline.services import queries
from reports.lists import write_publicity, write_review_sheet, write_roster
from reports.packet import write_packet
from reports.queue import write_packets
from reports.receipt import write_receipt
from reports.render import ReportError
from zhicheng.cli.common import Fail, Obj, emit_json, say

OUT = click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                   required=True, help="报告写入的目录（不存在则创建）")
JSON = click.option("--json", "as_json", is_flag=True, help="输出 JSON：{\"files\": [...]}")


def report_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A report that cannot be made (no Chinese font, a file that cannot be written): `错误：…`."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReportError as exc:
            raise Fail(str(exc)) from exc
        except PermissionError as exc:
            raise Fail(f"没有权限写入“{exc.filename}”") from exc

    return wrapper


def _done(files: list[Path], as_json: bool) -> None:
    if as_json:
        emit_json({"files": [str(f) for f in files]})
        return
    for f in files:
        click.echo(str(f))


def _writable(out_dir: Path) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Fail(f"无法创建输出目录“{out_dir}”：{exc.strerror or exc}") from exc
    return out_dir


@click.group()
def report() -> None:
    """生成审核包、公示名单、推荐上报名单与待审核清单（PDF/XLSX）。"""


@report.command()
@click.argument("app_ids", type=int, nargs=-1)
@click.option("--state", default=None, type=click.Choice([s.value for s in State]),
              help="该状态的全部申报")
@click.option("--unit", default=None, help="该单位（统一社会信用代码）的全部申报")
@click.option("--batch", type=int, default=None, help="该导入批次的全部申报")
@OUT
@JSON
@click.pass_obj
@report_errors
def packet(obj: Obj, app_ids: tuple[int, ...], state: str | None, unit: str | None,
           batch: int | None, out_dir: Path, as_json: bool) -> None:
    """生成申报审核包（PDF，附封面 HTML）：给出申报编号，或用 --state/--unit/--batch 选择一批。"""
    ctx = obj.runtime().ctx
    ids = list(app_ids)
    if state or unit or batch:
        if batch is not None:
            queries.batch_receipt(ctx, batch)  # NotFound: 批次…不存在
        ids += [a["id"] for a in queries.list_applications(ctx, state=state, unit=unit, batch=batch)
                if a["id"] not in ids]
        if not ids:
            raise Fail("没有符合条件的申报，未生成审核包")
    if not ids:
        raise Fail("请给出申报编号，或用 --state、--unit、--batch 选择申报")
    _writable(out_dir)
    if len(ids) == 1:
        _done(write_packet(ctx, ids[0], out_dir), as_json)
        return
    for app_id in ids:  # refuse an unknown id before any work starts
        queries.show_application(ctx, app_id)
    files = write_packets(obj.settings, ids, out_dir,
                          progress=lambda n, total: say(f"审核包 {n}/{total}"))
    _done(files, as_json)


@report.command()
@click.argument("publicity_id", type=int)
@OUT
@JSON
@click.pass_obj
@report_errors
def publicity(obj: Obj, publicity_id: int, out_dir: Path, as_json: bool) -> None:
    """生成公示名单（PDF 与 XLSX；身份证号、手机号码部分隐藏）。"""
    _done(write_publicity(obj.runtime().ctx, publicity_id, _writable(out_dir)), as_json)


@report.command()
@click.argument("batch_id", type=int)
@OUT
@JSON
@click.pass_obj
@report_errors
def batch(obj: Obj, batch_id: int, out_dir: Path, as_json: bool) -> None:
    """生成推荐上报名单（PDF 与 XLSX）及含名单和全部审核包的 ZIP。"""
    _done(write_roster(obj.runtime().ctx, batch_id, _writable(out_dir)), as_json)


@report.command("review-sheet")
@click.option("--unit", required=True, help="单位统一社会信用代码")
@OUT
@JSON
@click.pass_obj
@report_errors
def review_sheet(obj: Obj, unit: str, out_dir: Path, as_json: bool) -> None:
    """生成单位待审核清单（PDF）：等待该单位审核的申报及需留意的问题。"""
    _done(write_review_sheet(obj.runtime().ctx, unit, _writable(out_dir)), as_json)


@report.command()
@click.argument("batch_id", type=int)
@OUT
@JSON
@click.pass_obj
@report_errors
def receipt(obj: Obj, batch_id: int, out_dir: Path, as_json: bool) -> None:
    """批次回执（退回清单 XLSX）：每位申报人的状态与退回原因，交给申报单位。"""
    ctx = obj.runtime().ctx
    queries.batch_receipt(ctx, batch_id)  # an unknown batch: 错误 before any file is made
    _done([write_receipt(ctx, batch_id, _writable(out_dir))], as_json)
