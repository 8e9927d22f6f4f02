"""Waiting for automatic work to end, with a bound, sending again what lost its message."""

from __future__ import annotations

import time
from collections.abc import Callable

from pipeline.context import Context
from pipeline.errors import TransientFault
from pipeline.services import queries, recovery
from pipeline.stages import Send, Stages
from workers import presence
from workers.embedded import InProcessWorker

Progress = Callable[[int, int], None]
Notice = Callable[[str], None]
POLL = 0.2
SWEEP = 1.0          # seconds between two sweeps for expired leases
NO_WORKER = 60.0     # Redis mode: seconds with work queued, no worker running and no progress


class Stalled(TransientFault, TimeoutError):
    """The wait ended without the work ending (timeout, no progress, no worker); the message
    says why and what to run, in Chinese."""


def settle(ctx: Context, stages: Stages, send: Send, local: InProcessWorker | None, *,
           batch_id: int | None = None, timeout: float | None = None,
           progress: Progress | None = None, notice: Notice | None = None) -> int:
    """Return when the batch's (or every) application has left the automatic stages; return how
    many were waiting at the start.

    Meanwhile, work whose worker's lease ran out is sent again to the stage it waits for (on its
    own queue), and, in the embedded mode, work with no message once this process's queue is
    idle. Raises Stalled past `timeout`, after a lease's length (+ a minute) without progress, or
    (with Redis) when no worker has run and nothing has moved for NO_WORKER seconds.
    """
    scope = f"批次{batch_id}" if batch_id is not None else "待处理的工作"
    stall_after = ctx.settings.stage_lease_seconds + 60.0
    start = last_change = no_worker_since = time.monotonic()
    last_sweep = 0.0
    seen: dict[str, int] | None = None
    total: int | None = None
    told = False
    while True:
        now = time.monotonic()
        swept = now - last_sweep >= SWEEP
        if swept:
            last_sweep = now
            recovery.resend_expired(ctx, send, stages=stages)
            if local is not None and local.idle():
                recovery.resend_unclaimed(ctx, send, stages=stages)
        waiting = queries.pending(ctx, batch_id)
        left = sum(waiting.values())
        total = left if total is None else max(total, left)
        if progress:
            progress(total - left, total)
        if left == 0:
            return total
        if waiting != seen:
            seen, last_change = waiting, now
        if timeout is not None and now - start > timeout:
            raise Stalled(f"等待超时（{timeout:g}秒）：{scope}仍有{left}份申报在自动处理中；"
                          "数据已保存，可稍后用 zhicheng status 查看，或运行 zhicheng worker 继续处理")
        if local is None and swept:
            if _workers(ctx):
                no_worker_since = now
            elif min(now - no_worker_since, now - last_change) > NO_WORKER:
                raise Stalled(f"没有运行中的处理进程：{scope}有{left}份申报在队列中等待；"
                              "请在任一台机器上运行 zhicheng worker（数据已保存，不会丢失）")
        if not told and notice is not None and local is not None and swept and local.idle() \
                and (held := queries.held_elsewhere(ctx, batch_id)):
            told = True
            notice(f"{held['count']}份申报由另一个处理进程持有（租约至{held['until']}，该进程可能已退出）；"
                   "租约到期后将在本进程重新处理")
        if now - last_change > stall_after:
            raise Stalled(f"已有{int(now - last_change)}秒没有进展：{scope}仍有{left}份申报停在自动处理阶段；"
                          "请用 zhicheng status 查看原因，必要时执行 zhicheng retry --stalled")
        time.sleep(POLL)


def _workers(ctx: Context) -> bool:
    """Whether any worker is running (an unreachable broker counts as yes: not our call here)."""
    try:
        return bool(presence.running(ctx.settings))
    except Exception:
        return True
