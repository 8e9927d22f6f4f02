"""`zhicheng jobs run|list` and `zhicheng scheduler`: the periodic sweeps, by hand or on a timer.

The scheduler only wakes the sweeps; each is a compare-and-set in the database, so two
schedulers, a sweep run by hand meanwhile, or a day missed do no harm.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date

import click

from pipeline.services import jobs as periodic
from zhicheng.cli.common import Obj, emit_json, expected_errors, say
from zhicheng.cli.publicity import DATE
from zhicheng.cli.root import cli

log = logging.getLogger(__name__)


@cli.group()
def jobs() -> None:
    """定时任务：关闭到期公示、自动推荐上报、重新发送停滞的处理。"""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
@expected_errors
def list_(obj: Obj, as_json: bool) -> None:
    """列出定时任务及其最近一次运行。"""
    runs = periodic.last_runs(obj.runtime().ctx)
    if as_json:
        emit_json(runs)
        return
    for r in runs:
        state = "从未运行" if r["last_run"] is None else (
            f"最近运行 {r['last_run']}" + ("" if r["ok"] else f"（出错：{r['error']}）"))
        click.echo(f"{r['job']:<22} {r['label']}  {state}")


@jobs.command()
@click.argument("name", type=click.Choice(list(periodic.JOBS)))
@click.option("--today", type=DATE, default=None, help="以该日期为今天（默认今天）")
@click.pass_obj
@expected_errors
def run(obj: Obj, name: str, today: date | None) -> None:
    """立即运行一个定时任务。"""
    runtime = obj.runtime()
    with runtime.workers() as here:
        outcome = periodic.run_job(runtime.ctx, name, runtime.queue.send, today, actor="运维人员")
        if here.local and outcome.get("resent"):
            runtime.settle(notice=say)
    emit_json(outcome)


@cli.command()
@click.option("--interval", type=float, default=300.0, show_default=True,
              help="两次唤醒之间的秒数")
@click.option("--once", is_flag=True, help="只运行一轮后退出")
@click.pass_obj
@expected_errors
def scheduler(obj: Obj, interval: float, once: bool) -> None:
    """运行定时任务：关闭到期公示、按规则集自动推荐上报、重新发送停滞的自动处理。"""
    runtime = obj.runtime()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    say(f"定时任务已启动（每 {interval:g} 秒一轮）：{'、'.join(periodic.JOBS)}")
    while not stop.is_set():
        for name in periodic.JOBS:
            try:
                outcome = periodic.run_job(runtime.ctx, name, runtime.queue.send)
                log.info("job %s: %s", name, outcome)
            except Exception:  # one job's failure is recorded; the others and later rounds go on
                log.exception("job %s failed", name)
                say(f"定时任务 {name} 运行出错，详见日志；下一轮将再次运行")
        if once:
            break
        stop.wait(interval)
    say("定时任务已停止")
