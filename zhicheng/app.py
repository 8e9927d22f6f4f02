"""Operations that wire adapters together: import and wait, drain, retry (used by CLI and demo)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.services import orphans
from pipeline.services.intake import submit_batch
from pipeline.services.recheck import summarize
from pipeline.settings import Settings
from workers.settle import Notice, Progress
from zhicheng.bootstrap import Runtime, bootstrap
from zhicheng.logs import configure


def open_runtime(settings: Settings) -> Runtime:
    """The runtime of one command's process: its log under the data directory, everything wired."""
    configure(settings.data_dir)
    return bootstrap(settings)


def ready(runtime: Runtime, notice: Notice) -> None:
    """Refuse an out-of-date schema; mark as interrupted the batches whose importer was killed
    (cheap: one query when nothing was left) instead of leaving them 导入中 forever."""
    ensure_schema(runtime)
    swept = orphans.sweep(runtime.ctx)
    if swept.batches:
        notice(f"注意：批次{'、'.join(map(str, swept.batches))}的导入进程已中断，已标记为“已中断”；"
               "请重新导入这些批次（已导入的申报不会重复）。")


class SchemaNotReady(ConfigError):
    """The database has not been created or upgraded for this version."""


def ensure_schema(runtime: Runtime) -> None:
    """Refuse to work on a database that `zhicheng init` has not brought up to date."""
    from pipeline.storage.db import migrate  # alembic is slow to import: only when it is needed

    current = migrate.current(runtime.ctx.db.engine)
    if current != migrate.head():
        state = "尚未初始化" if current is None else f"版本为{current}，需要升级到{migrate.head()}"
        raise SchemaNotReady(f"数据库{state}；请先运行 zhicheng init")


def import_batch(runtime: Runtime, path: Path, *, wait: bool, timeout: float | None = None,
                 progress: Progress | None = None, submitted_by: str = "系统",
                 notice: Notice | None = None) -> int:
    """Import a batch folder or zip; wait for its processing when asked, or when this process
    is the one that processes it (embedded)."""
    from intake.bulk import open_batch  # openpyxl and friends: only for commands that import

    with runtime.workers() as here:
        with open_batch(path, runtime.settings, submitted_by) as intake:
            batch_id = submit_batch(runtime.ctx, intake, runtime.queue.send,
                                    stages=runtime.stages)
        if wait or here.local:
            runtime.settle(batch_id, timeout=timeout, progress=progress, notice=notice)
    return batch_id


def wait_for_batch(runtime: Runtime, batch_id: int, timeout: float | None = None,
                   progress: Progress | None = None) -> None:
    """Return when every application of the batch has left the automatic stages (bounded)."""
    with runtime.workers():
        runtime.settle(batch_id, timeout=timeout, progress=progress)


def wait_for_applications(runtime: Runtime, app_ids: list[int],
                          timeout: float | None = None) -> bool:
    """Redis mode: wait until none of the applications is at an automatic stage (or timeout)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while summarize(runtime.ctx, app_ids).waiting:
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def drain(runtime: Runtime, progress: Progress | None = None, notice: Notice | None = None) -> int:
    """Process every application waiting at an automatic stage (here, when embedded; else wait
    for the workers), sending again what lost its message; return how many were waiting."""
    with runtime.workers():
        return runtime.settle(progress=progress, notice=notice)


def terminal_progress(label: str) -> Progress | None:
    """A progress line on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r{label}：{done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
