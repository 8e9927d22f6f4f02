"""Batch-level problems: what went wrong with a batch as a whole or with a path in it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem on a batch receipt: a stable code, a Chinese message, the path it concerns."""

    code: str
    message: str
    path: str | None = None
