"""The embedded mode: Dramatiq workers as threads of this process, on the in-memory broker."""

from __future__ import annotations

import dramatiq


class InProcessWorker:
    """A context manager running a Dramatiq worker in this process until the block ends."""

    def __init__(self, broker: dramatiq.Broker, threads: int = 2) -> None:
        self.worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)

    def __enter__(self) -> "InProcessWorker":
        self.worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.stop()
