"""At most one OCR process per core on a machine, across every worker process and thread.

Each slot is a lock file in this machine's own directory (`Settings.machine_dir`: the setting
ZHICHENG_LOCAL_DIR, else $XDG_RUNTIME_DIR/zhicheng, else /tmp/zhicheng-<uid>), never on the data
path that several machines share: there, every machine would compete for one machine's slots.
Taking a slot is a non-blocking `flock` on one of them; a slot is given back when its holder
ends, even when it is killed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SLOTS = "ocr-slots"


@contextmanager
def ocr_slot(local_dir: Path, slots: int | None = None, poll: float = 0.05) -> Iterator[int]:
    """Wait for one of `slots` (default: the cores this process may use) and hold it while the
    block runs."""
    count = max(1, slots or _cores())
    folder = local_dir / SLOTS
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    while True:
        for i in range(count):
            fd = os.open(folder / f"ocr-{i}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield i
                return
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        time.sleep(poll)


def _cores() -> int:
    """The cores this process may run on (`taskset` and cgroup cpusets count), else all."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
