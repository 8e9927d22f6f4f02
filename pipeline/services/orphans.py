"""Work left by a process that died: claims and batches belong to a live process, or are orphans.

Each import batch and each upload claim records its owner: host name (with its PID namespace),
boot id, pid and the process's start time (from /proc). An owner is alive when it is this host,
this boot, and that pid still runs the process that started at that time; a pid reused by
another process, or a reboot, means it is dead. An owner on another host cannot be checked from here: it is taken as
alive until `STALE` has passed since it claimed, the only rule there was before.

`sweep` marks the batches of dead owners `interrupted` (the applications they did commit stay;
importing the batch again completes it) and drops their upload claims, so the same upload is
accepted again at once. The CLI runs it when a command starts, `zhicheng serve` when it starts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from pipeline.context import Context
from pipeline.domain.vocabulary import BatchStatus
from pipeline.storage.db.models import ApiUpload, BatchProblem, ImportBatch

STALE = timedelta(minutes=30)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot ('' when it does not run, or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name in () may contain spaces


@lru_cache(maxsize=1)
def _host() -> str:
    # With the PID namespace: two containers may share a host name and the kernel's boot id,
    # but a pid is only checked from inside the namespace it belongs to.
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()[:60]}{namespace}"


def current() -> str:
    """This process as an owner: host|boot id|pid|start time."""
    pid = os.getpid()
    return f"{_host()}|{_boot_id()}|{pid}|{_start_time(pid)}"


def alive(owner: str | None, claimed_at: datetime, now: datetime) -> bool:
    """True while the owner may still be working (see the module docstring)."""
    parts = (owner or "").split("|")
    if len(parts) != 4 or parts[0] != _host() or not parts[1] or not parts[3]:
        return now - claimed_at < STALE  # another host, or no /proc: only time tells
    host, boot, pid, started = parts
    if boot != _boot_id():
        return False
    return pid.isdigit() and _start_time(int(pid)) == started


@dataclass
class Swept:
    batches: list[int] = field(default_factory=list)   # marked interrupted
    claims: int = 0                                      # upload claims dropped


def sweep(ctx: Context) -> Swept:
    """Mark the batches of dead importers interrupted and drop dead upload claims."""
    now = ctx.clock.now()
    out = Swept()
    with ctx.db.uow() as s:
        batches = s.execute(select(ImportBatch.id, ImportBatch.owner, ImportBatch.created_at)
                            .where(ImportBatch.status == BatchStatus.IMPORTING)).all()
        claims = s.execute(select(ApiUpload.id, ApiUpload.owner, ApiUpload.created_at)
                           .where(ApiUpload.batch_id.is_(None))).all()
    dead_batches = [b.id for b in batches if not alive(b.owner, b.created_at, now)]
    dead_claims = [c for c in claims if not alive(c.owner, c.created_at, now)]
    if not dead_batches and not dead_claims:
        return out
    with ctx.db.uow() as s:
        for batch_id in dead_batches:
            done = cast(CursorResult[Any], s.execute(update(ImportBatch).where(ImportBatch.id == batch_id,
                                                       ImportBatch.status == BatchStatus.IMPORTING)
                             .values(status=BatchStatus.INTERRUPTED, finished_at=now)))
            if done.rowcount == 1:
                s.add(BatchProblem(batch_id=batch_id, code="batch.interrupted", path=None,
                                   message="导入过程中断（导入进程已退出）：已导入的申报保留，其余未导入；"
                                           "请重新导入本批次（已导入的部分不会重复）"))
                out.batches.append(batch_id)
        for claim in dead_claims:
            gone = cast(CursorResult[Any], s.execute(delete(ApiUpload).where(
                ApiUpload.id == claim.id, ApiUpload.owner == claim.owner,
                ApiUpload.batch_id.is_(None))))
            out.claims += gone.rowcount
        s.commit()
    return out
