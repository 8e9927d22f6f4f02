"""The embedded mode: Dramatiq workers as threads of this process, on the in-memory broker,
and a keeper that sends again what waits with no message (a crash, a lease that ran out)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq

log = logging.getLogger(__name__)


class InProcessWorker:
    """A context manager running a Dramatiq worker in this process until the block ends.

    While it runs, a keeper thread calls `sweep(idle)` every `every` seconds: `idle` says whether
    the in-memory queue holds no message at all (none waiting, none in hand, none delayed for a
    retry), the moment when work that waits in the database has lost its message.
    """

    def __init__(self, broker: dramatiq.Broker, threads: int = 2,
                 sweep: Callable[[bool], object] | None = None, every: float = 2.0) -> None:
        self.broker = broker
        self.worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
        self.sweep = sweep
        self.every = every
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def idle(self) -> bool:
        """No message in this process's queues (StubBroker: waiting, in hand or delayed)."""
        queues = getattr(self.broker, "queues", {})
        return all(q.unfinished_tasks == 0 for q in list(queues.values()))

    def __enter__(self) -> InProcessWorker:
        self.worker.start()
        if self.sweep is not None:
            self._keeper = threading.Thread(target=self._keep, daemon=True, name="zhicheng-keeper")
            self._keeper.start()
        return self

    def _keep(self) -> None:
        assert self.sweep is not None
        while not self._stop.wait(self.every):
            try:
                self.sweep(self.idle())
            except Exception:  # a database hiccup: the next round tries again
                log.exception("the embedded keeper's sweep failed")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=30)
        self.worker.stop()
