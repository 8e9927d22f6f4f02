"""The module `dramatiq` loads in each worker process: settings from the environment, actors declared.

`zhicheng worker` runs `dramatiq workers.entry:broker …`; each process builds its own engine.
"""

from __future__ import annotations

import logging
import os

from pipeline.settings import Settings
from zhicheng.bootstrap import bootstrap

logging.getLogger("pipeline").setLevel(os.environ.get("ZHICHENG_LOG_LEVEL", "INFO"))
runtime = bootstrap(Settings.from_env(os.environ))
broker = runtime.broker
