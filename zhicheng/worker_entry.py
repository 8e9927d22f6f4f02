"""The module `dramatiq` loads in each worker process: settings from the environment, actors declared.

`zhicheng worker` runs `dramatiq zhicheng.worker_entry:broker …`; each process builds its own engine. A
process that takes OCR work loads the OCR models now, at start, rather than in the middle of its
first certificate.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from pipeline.settings import Settings
from workers import presence
from zhicheng.bootstrap import bootstrap


def _queues(argv: list[str]) -> list[str]:
    """The queues the dramatiq command line names (none: every queue)."""
    queues = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--queues", "-Q")]
    return queues + [a.split("=", 1)[1] for a in argv if a.startswith("--queues=")]


def _takes_ocr_work(argv: list[str]) -> bool:
    """Whether the dramatiq command line lets this process consume the `ocr` queue."""
    queues = _queues(argv)
    return not queues or "ocr" in queues


logging.getLogger("pipeline").setLevel(os.environ.get("ZHICHENG_LOG_LEVEL", "INFO"))
runtime = bootstrap(Settings.from_env(os.environ))
broker = runtime.broker
if not runtime.settings.embedded:  # a heartbeat, so that `status` and /healthz see this worker
    threading.Thread(target=presence.beat, daemon=True, name="zhicheng-heartbeat",
                     args=(runtime.settings, _queues(sys.argv) or runtime.stages.queues,
                           threading.Event())).start()
if runtime.settings.ocr_engine != "null" and _takes_ocr_work(sys.argv):
    runtime.ctx.ocr().load()
