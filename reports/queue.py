"""Many packets at once: a pool of processes (at most one per core), each recycled after a
number of packets.

One process's resident memory drifts up by a fraction of a megabyte per packet (WeasyPrint's and
Pango's caches; bench/bench_reports.py), so a long queue in one process would grow without bound.
Here each process writes at most `per_process` packets and is then replaced, which keeps every
process's memory bounded whatever the length of the queue, and the queue uses every core.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from pathlib import Path

from pipeline.settings import Settings

PER_PROCESS = 40
_ctx = None


def _init(settings: Settings) -> None:
    global _ctx
    from pipeline.context import Context

    _ctx = Context.from_settings(settings)


def _one(task: tuple[int, str]) -> list[str]:
    from reports.packet import write_packet

    app_id, out_dir = task
    assert _ctx is not None, "the pool's initializer makes the context"
    return [str(p) for p in write_packet(_ctx, app_id, Path(out_dir))]


def write_packets(settings: Settings, app_ids: list[int], out_dir: Path, *,
                  processes: int | None = None, per_process: int = PER_PROCESS,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write the packet of every application (in order of `app_ids`); return the files."""
    if not app_ids:
        return []
    count = max(1, min(processes or os.cpu_count() or 1, len(app_ids)))
    files: list[Path] = []
    if count == 1 and len(app_ids) <= per_process:  # a few: no pool to start
        from pipeline.context import Context
        from reports.packet import write_packet

        ctx = Context.from_settings(settings)
        try:
            for n, app_id in enumerate(app_ids, start=1):
                files += write_packet(ctx, app_id, out_dir)
                if progress:
                    progress(n, len(app_ids))
        finally:
            ctx.db.dispose()
        return files
    pool = mp.get_context("spawn").Pool(count, initializer=_init, initargs=(settings,),
                                        maxtasksperchild=per_process)
    try:
        for n, written in enumerate(pool.imap(_one, [(i, str(out_dir)) for i in app_ids]), start=1):
            files += [Path(p) for p in written]
            if progress:
                progress(n, len(app_ids))
    finally:
        pool.close()
        pool.join()
    return files
