"""`zhicheng intake import`: bulk import of a batch folder or zip."""

from __future__ import annotations

from pathlib import Path

import click

from intake.template import write_template
from intake.watch import InboxWatcher, Outcome
from intake.watch_import import make_importer
from pipeline.domain.vocabulary import BatchStatus
from pipeline.errors import NotFound, Refused
from pipeline.services import queries
from pipeline.services import recheck as service
from zhicheng.app import import_batch, terminal_progress, wait_for_applications
from zhicheng.cli.common import Fail, Obj, emit_json, say
from zhicheng.cli.operations import _print_receipt


@click.group()
def intake() -> None:
    """批量导入申报。"""


@intake.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--wait", is_flag=True, help="等到每份申报都离开自动处理阶段再返回")
@click.option("--timeout", type=float, default=None, help="--wait 最多等待的秒数")
@click.option("--json", "as_json", is_flag=True, help="输出批次回执 JSON（含 id）")
@click.pass_obj
def import_(obj: Obj, path: Path, wait: bool, timeout: float | None, as_json: bool) -> None:
    """导入一个批次（文件夹或 zip），输出批次号。"""
    if not path.exists():
        raise NotFound(f"找不到批次“{path}”：请给出批次文件夹或 zip 压缩包的路径")
    runtime = obj.runtime()
    batch_id = import_batch(runtime, path, wait=wait, timeout=timeout,
                            progress=terminal_progress("处理进度"), notice=say)
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    if as_json:
        emit_json({"id": batch_id, **receipt})
    else:
        click.echo(batch_id)
        _print_receipt(receipt, err=True)
        if receipt["status"] == BatchStatus.REJECTED:
            say("整个批次未能受理，请按上述问题修改后重新提交。")
    if receipt["status"] == BatchStatus.REJECTED:
        raise SystemExit(Refused.exit_code)  # the whole batch was refused


@intake.command()
@click.argument("inbox", type=click.Path(path_type=Path), required=False)
@click.option("--interval", type=float, default=5.0, show_default=True, help="轮询间隔（秒）")
@click.option("--once", is_flag=True, help="导入收件箱中已有的批次后退出")
@click.pass_obj
def watch(obj: Obj, inbox: Path | None, interval: float, once: bool) -> None:
    """监视收件箱：批次文件夹或 zip 不再变化后导入一次，再移入 processed/ 或 rejected/（附说明）。

    收件箱默认为数据目录下的 inbox/。
    """
    runtime = obj.runtime()
    inbox = inbox or runtime.settings.data_dir / "inbox"
    if inbox.exists() and not inbox.is_dir():
        raise Fail(f"收件箱“{inbox}”不是文件夹")
    inbox.mkdir(parents=True, exist_ok=True)
    if interval <= 0:
        raise Fail("--interval 必须大于 0")
    watcher = InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send))

    def report(o: Outcome) -> None:
        where = "已拒收" if o.imported.rejected else "已处理"
        batch = f"批次{o.imported.batch_id}" if o.imported.batch_id else "未导入"
        say(f"{o.name}：{where}（{batch}），移至 {o.moved_to}")
        if o.imported.batch_id:
            click.echo(o.imported.batch_id)

    say(f"监视收件箱 {inbox.resolve()}，每 {interval:g} 秒检查一次" + ("" if once else "（Ctrl+C 退出）"))
    with runtime.workers() as here:
        if once:
            left = watcher.run_once(interval, on_outcome=report)
            if here.local:
                runtime.settle(notice=say)
            if left:
                say("仍在变化、尚未导入：" + "、".join(left))
        else:
            try:
                watcher.run(interval, on_outcome=report)
            except KeyboardInterrupt:
                say("已停止监视。")


@click.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--unit", "unit", default=None, help="只重新检查该单位（统一社会信用代码）的申报")
@click.option("--batch", "batch", type=int, default=None, help="只重新检查该批次的申报")
@click.option("--state", "state", type=click.Choice(["returned"]), default="returned",
              show_default=True, help="重新检查哪个状态的申报（目前只有自动检查退回的）")
@click.option("--by", "actor", default="运维人员", show_default=True, help="操作人姓名")
@click.option("--timeout", type=float, default=300.0, show_default=True,
              help="Redis 模式下最多等待的秒数")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def recheck(obj: Obj, ids: tuple[int, ...], unit: str | None, batch: int | None, state: str,
            actor: str, timeout: float | None, as_json: bool) -> None:
    """单位注册或评审规则修正后，重新检查被自动检查退回的申报（已识别的文字不再重新识别）。"""
    if not ids and unit is None and batch is None:
        raise Fail("请给出要重新检查的申报编号，或用 --unit / --batch 选定范围")
    runtime = obj.runtime()
    chosen = service.select_returned(runtime.ctx, list(ids) or None, unit, batch)
    chosen += [i for i in ids if i not in chosen]  # named but not returned: said why below
    with runtime.workers() as here:
        started = service.start_recheck(runtime.ctx, chosen, runtime.queue.start, actor)
        if here.local:
            runtime.settle(progress=terminal_progress("重新检查"))
        else:
            wait_for_applications(runtime, started.started, timeout)
    summary = service.summarize(runtime.ctx, started.started)
    if as_json:
        emit_json({"started": started.started,
                   "skipped": [{"id": i, "reason": r} for i, r in started.skipped],
                   "states": summary.by_state,
                   "returned": [{"id": i, "name": n, "messages": m} for i, n, m in summary.returned],
                   "waiting": summary.waiting})
        return
    for app_id, why in started.skipped:
        say(f"申报{app_id}未重新检查：{why}")
    say(summary.text())


@intake.command()
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("花名册模板.xlsx"),
              show_default=True, help="模板文件保存到哪里")
def template(out: Path) -> None:
    """生成花名册模板（标准列名、下拉选项、文本格式、填写示例与材料清单）。"""
    if out.is_dir():
        out = out / "花名册模板.xlsx"
    write_template(out)
    say(f"已生成花名册模板：{out}")
    click.echo(str(out))
