"""Logging for the command line: everything to a file under the data directory, short lines to stderr."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any


class _Brief(logging.Formatter):
    """One line per record on the terminal: the traceback stays in the log file."""

    def formatException(self, ei: Any) -> str:
        return ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = ""
        text = super().format(record)
        return text.rstrip()


_configured: set[Path] = set()   # the process's log, once configured (the first data directory wins)


def configure(data_dir: Path, level: str | None = None) -> Path:
    """Log INFO and up to `<data_dir>/logs/zhicheng.log`, warnings (briefly) to stderr."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "zhicheng.log"
    root = logging.getLogger()
    if _configured:
        return path
    # A log line that cannot be written (the disk is full) must not print a traceback over the
    # command's own message; the command reports the fault itself (pipeline.errors).
    logging.raiseExceptions = False
    root.setLevel(level or os.environ.get("ZHICHENG_LOG_LEVEL", "INFO"))
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(
        "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(_Brief(f"%(levelname)s %(name)s: %(message)s（详见 {path}）"))
    root.addHandler(file_handler)
    root.addHandler(console)
    _configured.add(path)
    return path
