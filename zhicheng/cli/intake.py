"""`zhicheng intake import`: bulk import of a batch folder or zip."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.services import queries
from zhicheng.app import import_batch, terminal_progress
from zhicheng.cli.common import Fail, Obj, emit_json, expected_errors, say
from zhicheng.cli.root import _print_receipt, cli


@cli.group()
def intake() -> None:
    """批量导入申报。"""


@intake.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--wait", is_flag=True, help="等到每份申报都离开自动处理阶段再返回")
@click.option("--timeout", type=float, default=None, help="--wait 最多等待的秒数")
@click.option("--json", "as_json", is_flag=True, help="输出批次回执 JSON（含 id）")
@click.pass_obj
@expected_errors
def import_(obj: Obj, path: Path, wait: bool, timeout: float | None, as_json: bool) -> None:
    """导入一个批次（文件夹或 zip），输出批次号。"""
    if not path.exists():
        raise Fail(f"找不到批次“{path}”：请给出批次文件夹或 zip 压缩包的路径")
    runtime = obj.runtime()
    batch_id = import_batch(runtime, path, wait=wait, timeout=timeout,
                            progress=terminal_progress("处理进度"))
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    if as_json:
        emit_json({"id": batch_id, **receipt})
    else:
        click.echo(batch_id)
        _print_receipt(receipt, err=True)
        if receipt["status"] == "rejected":
            say("整个批次未能受理，请按上述问题修改后重新提交。")
    if receipt["status"] == "rejected":
        raise SystemExit(2)
