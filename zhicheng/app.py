"""Operations that wire adapters together: import and wait, drain, retry (used by CLI and demo)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from pipeline.services import queries, recovery
from pipeline.services.intake import submit_batch
from workers.embedded import InProcessWorker
from zhicheng.bootstrap import Runtime
from pipeline.errors import ConfigError

Progress = Callable[[int, int], None]


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
                 progress: Progress | None = None, submitted_by: str = "系统") -> int:
    """Import a batch folder or zip; in the embedded mode process it here, else optionally wait."""
    from intake.bulk import open_batch  # openpyxl and friends: only for commands that import

    ctx = runtime.ctx

    def run() -> int:
        with open_batch(path, runtime.settings, submitted_by) as intake:
            return submit_batch(ctx, intake, runtime.queue.start)

    if runtime.settings.embedded:
        # No workers elsewhere: this process is the worker, until the batch is through.
        with InProcessWorker(runtime.broker, runtime.settings.worker_threads):
            batch_id = run()
            wait_for_batch(runtime, batch_id, timeout, progress)
        return batch_id
    batch_id = run()
    if wait:
        wait_for_batch(runtime, batch_id, timeout, progress)
    return batch_id


def wait_for_batch(runtime: Runtime, batch_id: int, timeout: float | None = None,
                   progress: Progress | None = None) -> None:
    """Return when every application of the batch has left the automatic stages."""
    total = len(queries.batch_receipt(runtime.ctx, batch_id)["applications"])
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pending = queries.batch_pending(runtime.ctx, batch_id)
        if progress:
            progress(total - pending, total)
        if pending == 0:
            return
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"等待超时：批次{batch_id}仍有{pending}份申报在自动处理中"
                               "（请检查 zhicheng worker 是否在运行）")
        time.sleep(0.2)


def wait_for_applications(runtime: Runtime, app_ids: list[int],
                          timeout: float | None = None) -> bool:
    """Redis mode: wait until none of the applications is at an automatic stage (or timeout)."""
    from pipeline.services.recheck import summarize

    deadline = None if timeout is None else time.monotonic() + timeout
    while summarize(runtime.ctx, app_ids).waiting:
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def drain(runtime: Runtime, progress: Progress | None = None) -> int:
    """Embedded mode: process every application waiting at an automatic stage; return how many."""
    with InProcessWorker(runtime.broker, runtime.settings.worker_threads):
        # Not stuck work: what waits in this database while no worker ran. Sent, not counted.
        sent = len(recovery.resend_stalled(runtime.ctx, runtime.queue.send, older_than_seconds=0,
                                           count_attempt=False)["resent"])
        while True:
            states = queries.overview(runtime.ctx)["queues"]
            pending = sum(q["depth"] for q in states if q["kind"] == "automatic")
            if progress:
                progress(sent - pending, sent)
            if pending == 0:
                return sent
            time.sleep(0.2)


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
