"""At most one OCR process per core on a machine, across every worker process and thread.

Each slot is a lock file under the data directory; taking a slot is a non-blocking `flock` on
one of them, and a slot is given back when its holder ends, even when it is killed.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def ocr_slot(data_dir: Path, slots: int | None = None, poll: float = 0.05) -> Iterator[int]:
    """Wait for one of `slots` (default: the number of cores) and hold it while the block runs."""
    count = max(1, slots or os.cpu_count() or 1)
    folder = data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
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
