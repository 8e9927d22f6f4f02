"""The module `dramatiq` loads in each worker process: settings from the environment, actors declared.

`zhicheng worker` runs `dramatiq workers.entry:broker …`; each process builds its own engine. A
process that takes OCR work loads the OCR models now, at start, rather than in the middle of its
first certificate.
"""

from __future__ import annotations

import logging
import os
import sys

from pipeline.settings import Settings
from zhicheng.bootstrap import bootstrap


def _takes_ocr_work(argv: list[str]) -> bool:
    """Whether the dramatiq command line lets this process consume the `ocr` queue."""
    queues = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--queues", "-Q")]
    queues += [a.split("=", 1)[1] for a in argv if a.startswith("--queues=")]
    return not queues or "ocr" in queues


logging.getLogger("pipeline").setLevel(os.environ.get("ZHICHENG_LOG_LEVEL", "INFO"))
runtime = bootstrap(Settings.from_env(os.environ))
broker = runtime.broker
if runtime.settings.ocr_engine != "null" and _takes_ocr_work(sys.argv):
    runtime.ctx.ocr().load()
