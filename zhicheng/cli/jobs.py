"""`zhicheng jobs run|list` and `zhicheng scheduler`: the periodic sweeps, by hand or on a timer.

The scheduler only wakes the sweeps; each is a compare-and-set in the database, so two
schedulers, a sweep run by hand meanwhile, or a day missed do no harm.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date, datetime
from typing import Any

import click

from pipeline.domain.vocabulary import JOB_LABELS, cn_time
from pipeline.services import jobs as periodic
from zhicheng.cli.common import DATE, Obj, emit_json, say

log = logging.getLogger(__name__)


@click.group()
def jobs() -> None:
    """定时任务：关闭到期公示、自动推荐上报、重新发送停滞的处理。"""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def list_(obj: Obj, as_json: bool) -> None:
    """列出定时任务及其最近一次运行。"""
    runs = periodic.last_runs(obj.runtime().ctx)
    if as_json:
        emit_json(runs)
        return
    for r in runs:
        state = "从未运行" if r["last_run"] is None else (
            f"最近运行 {cn_time(datetime.fromisoformat(r['last_run']))}"
            + ("" if r["ok"] else f"（出错：{r['error']}）"))
        click.echo(f"{r['job']:<22} {r['label']}  {state}")


@jobs.command()
@click.argument("name", type=click.Choice(list(periodic.JOBS)))
@click.option("--today", type=DATE, default=None, help="以该日期为今天（默认今天；晚于今天须 --force）")
@click.option("--force", is_flag=True, help="确认按晚于今天的日期运行（须同时填写 --reason）")
@click.option("--reason", default="", help="使用 --force 的原因")
@click.option("--by", "by", default="", help="操作人员姓名（记入处理记录）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def run(obj: Obj, name: str, today: date | None, force: bool, reason: str, by: str,
        as_json: bool) -> None:
    """立即运行一个定时任务。"""
    runtime = obj.runtime()
    with runtime.workers() as here:
        outcome = periodic.run_job(runtime.ctx, name, runtime.queue.send, today,
                                   actor=by or "运维人员", force=force, reason=reason)
        if here.local and outcome.get("resent"):
            runtime.settle(notice=say)
    if as_json:
        emit_json(outcome)
    else:
        say(summary(name, outcome))


def summary(name: str, outcome: dict[str, Any]) -> str:
    """One Chinese line for what a job's run did."""
    label = JOB_LABELS.get(name, name)
    parts = []
    if "closed" in outcome:
        parts.append(f"关闭公示 {len(outcome['closed'])} 个（拟通过 {outcome.get('passed', 0)} 人，"
                     f"拟不通过 {outcome.get('failed', 0)} 人，异议待处理 {outcome.get('held', 0)} 人）")
    if "recommended" in outcome:
        parts.append(f"生成推荐上报批次 {len(outcome['recommended'])} 个")
    if "resent" in outcome:
        resent = outcome["resent"]
        parts.append(f"重新发送停滞的处理 {len(resent)} 份，转为技术故障 {len(outcome.get('failed', []))} 份")
    return f"{label}：" + ("；".join(parts) if parts else "无事可做")


@click.command()
@click.option("--interval", type=float, default=300.0, show_default=True,
              help="两次唤醒之间的秒数")
@click.option("--once", is_flag=True, help="只运行一轮后退出")
@click.pass_obj
def scheduler(obj: Obj, interval: float, once: bool) -> None:
    """运行定时任务：关闭到期公示、按规则集自动推荐上报、重新发送停滞的自动处理。"""
    runtime = obj.runtime()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    say(f"定时任务已启动（每 {interval:g} 秒一轮）：{'、'.join(periodic.JOBS)}")
    while not stop.is_set():
        lines = []
        for name in periodic.JOBS:
            try:  # never a --today: the scheduler always works on the real day
                outcome = periodic.run_job(runtime.ctx, name, runtime.queue.send)
                log.info("job %s: %s", name, outcome)
                lines.append(summary(name, outcome))
            except Exception:  # one job's failure is recorded; the others and later rounds go on
                log.exception("job %s failed", name)
                lines.append(f"{JOB_LABELS.get(name, name)}：运行出错，详见日志，下一轮将再次运行")
        say(f"[{cn_time(runtime.ctx.clock.now())}] 本轮定时任务：" + "；".join(lines))
        if once:
            break
        stop.wait(interval)
    say("定时任务已停止")
