"""The commands that stand alone: init, status, worker, retry."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import BatchStatus
from pipeline.services import queries, receipts, recovery
from pipeline.services.jobs import last_runs
from pipeline.storage.db import migrate
from zhicheng.app import terminal_progress
from zhicheng.cli.common import Obj, emit_json, say
from zhicheng.health import health


@click.command()
@click.pass_obj
def init(obj: Obj) -> None:
    """创建或升级数据库。"""
    runtime = obj.runtime(schema=False)
    before = migrate.current(runtime.ctx.db.engine)
    after = migrate.upgrade(runtime.ctx.db.engine)
    if before == after:
        say(f"数据库已是最新版本（{after}）：{_where(obj)}")
    else:
        say(f"数据库已{'创建' if before is None else '升级'}到版本{after}：{_where(obj)}")


def _where(obj: Obj) -> str:
    url = obj.settings.resolved_database_url
    return url.split("@")[-1] if "@" in url else url


@click.command()
@click.argument("batch", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def status(obj: Obj, batch: int | None, as_json: bool) -> None:
    """各状态数量、队列积压与需要处理的问题；给出批次号时显示该批次回执。"""
    runtime = obj.runtime()
    ctx = runtime.ctx
    if batch is not None:
        receipt = queries.batch_receipt(ctx, batch)
        if as_json:
            emit_json(receipt)
            return
        _print_receipt(receipt)
        return

    data = queries.overview(ctx, runtime.stages)
    data["jobs"] = last_runs(ctx)
    data["health"] = health(runtime)
    if as_json:
        emit_json(data)
        return
    click.echo(f"申报总数：{data['total']}")
    for state, n in data["states"].items():
        click.echo(f"  {LABELS.get(State(state), state):<10} {state:<18} {n}")
    click.echo("队列：")
    for q in data["queues"]:
        age = q["oldest_age_seconds"]
        click.echo(f"  {q['queue']:<20} 积压 {q['depth']:>5}" + (f"  最早 {age} 秒前" if age is not None else ""))
    if data["stuck"]:
        click.echo(f"停滞的申报（{len(data['stuck'])}）：")
        for r in data["stuck"]:
            click.echo(f"  #{r['id']} {r['name']}：{r['reason']}")
    if data["failed"]:
        click.echo(f"技术故障的申报（{len(data['failed'])}），修复后执行 zhicheng retry：")
        for r in data["failed"]:
            click.echo(f"  #{r['id']} {r['name']}：{r['reason']}")
    if data["interrupted"]:
        click.echo(f"导入中断的批次（{len(data['interrupted'])}），请重新导入：")
        for b in data["interrupted"]:
            click.echo(f"  批次{b['batch']}：{b['source']}")
    workers = data["health"]["workers"]
    click.echo(f"处理进程：{workers['count']} 个在运行" if workers["count"] else "处理进程：没有运行中的处理进程")
    if data["health"]["hint"]:
        click.echo(data["health"]["hint"])
    elif not data["stuck"] and not data["failed"]:
        click.echo("没有停滞或故障的申报。")
    click.echo("定时任务：")
    for j in data["jobs"]:
        last = "从未运行（请启动 zhicheng scheduler）" if j["last_run"] is None else (
            f"最近运行 {j['last_run']}" + ("" if j["ok"] else f"，出错：{j['error']}"))
        click.echo(f"  {j['label']}：{last}")


BATCH_STATUS = {BatchStatus.IMPORTING: "导入中", BatchStatus.IMPORTED: "已导入", BatchStatus.REJECTED: "已拒收",
                BatchStatus.INTERRUPTED: "已中断（请重新导入）"}


def _print_receipt(r: dict[str, Any], err: bool = False) -> None:
    echo = functools.partial(click.echo, err=err)
    echo(f"批次 {r['batch']}：{r['source']}")
    echo(f"  状态：{BATCH_STATUS.get(r['status'], r['status'])}")
    echo(f"  新建申报 {len(r['created'])} 份，已存在 {len(r['existing'])} 份，重新提交 {len(r['resubmitted'])} 份")
    if r["states"]:
        echo("  当前状态：" + "，".join(f"{LABELS.get(State(k), k)} {v}" for k, v in sorted(r["states"].items())))
    if r["problems"]:
        echo(f"  批次问题（{len(r['problems'])}）：")
        for p in r["problems"]:
            echo(f"    [{p['code']}] {p['message']}" + (f"（{p['path']}）" if p["path"] else ""))
    for line in receipts.applicant_lines(r):
        echo(f"  {line}")


@click.command()
@click.option("--processes", "-p", type=int, default=None, help="进程数（默认为CPU核数）")
@click.option("--threads", "-t", type=int, default=2, help="每个进程的线程数")
@click.option("--queues", "-Q", multiple=True, help="只处理这些队列（默认全部）")
@click.option("--metrics-port", type=int, default=None,
              help="在该端口提供 Prometheus 指标 /metrics（Redis 模式；默认 ZHICHENG_WORKER_METRICS_PORT，不设则不提供）")
@click.pass_obj
def worker(obj: Obj, processes: int | None, threads: int, queues: tuple[str, ...],
           metrics_port: int | None) -> None:
    """运行队列处理进程（Redis 模式）；内嵌模式下处理完所有待处理的申报后退出。"""
    runtime = obj.runtime()
    with runtime.workers() as here:
        if here.local:  # embedded: the stages run in this process; done when nothing waits
            n = runtime.settle(progress=terminal_progress("处理进度"), notice=say)
            say(f"内嵌模式：已处理 {n} 份待处理的申报。" if n else "内嵌模式：没有待处理的申报。")
            return
    env = {**os.environ, **obj.settings.with_(worker_threads=threads).as_env()}
    # Dramatiq's Redis consumer, with as many messages in hand as it may prefetch, sleeps with a
    # backoff of up to this many milliseconds before it fetches again; at the default (1 s) a
    # worker that finishes a short OCR page sits idle for most of a second (bench_ocr_stage.py).
    env.setdefault("dramatiq_worker_timeout", "100")
    port = obj.settings.worker_metrics_port if metrics_port is None else metrics_port
    if port:
        env.update(_metrics_env(obj.settings.machine_dir, port))
    argv = [sys.executable, "-m", "dramatiq", "zhicheng.worker_entry:broker",
            "--processes", str(processes or os.cpu_count() or 1), "--threads", str(threads)]
    for q in queues:
        argv += ["--queues", q]
    obj.close()
    os.execvpe(argv[0], argv, env)


def _metrics_env(machine_dir: Path, port: int) -> dict[str, str]:
    """Where Dramatiq's Prometheus middleware keeps its per-process files (this machine's own
    directory, emptied: counts of an earlier run must not add up) and the port it serves."""
    folder = machine_dir / f"prometheus-{port}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    return {"ZHICHENG_WORKER_METRICS_PORT": str(port), "dramatiq_prom_port": str(port),
            "dramatiq_prom_host": "0.0.0.0",
            "dramatiq_prom_db": str(folder), "PROMETHEUS_MULTIPROC_DIR": str(folder)}


@click.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--stalled", is_flag=True, help="同时重新发送停滞在自动阶段的申报")
@click.pass_obj
def retry(obj: Obj, ids: tuple[int, ...], stalled: bool) -> None:
    """排除故障后，重新处理技术故障（failed）的申报。"""
    runtime = obj.runtime()
    with runtime.workers() as here:
        moved = recovery.retry_failed(runtime.ctx, runtime.queue.send, list(ids) or None,
                                      stages=runtime.stages)
        n = len(recovery.resend_stalled(runtime.ctx, runtime.queue.send,
                                        stages=runtime.stages)["resent"]) if stalled else 0
        if here.local and (moved or n):
            runtime.settle(notice=say)
    say(f"已重新提交 {len(moved)} 份技术故障的申报" + (f"，重新发送 {n} 份停滞的申报" if stalled else ""))
    for i in moved:
        click.echo(i)
