"""What the preflight of one file found: the Inspection record, its findings, and the rule that a
fault of our own storage is raised (StoreFault), never recorded as the file's defect."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.storage.faults import StoreFault, is_store_fault


@dataclass(frozen=True)
class Issue:
    """One finding of the preflight: a finding rule code and a Chinese message."""

    rule: str
    message: str


@dataclass
class Inspection:
    """What a file really is; media_type is set only when the file is accepted and usable."""

    media_type: str | None
    detected: str
    findings: list[Issue] = field(default_factory=list)
    pages: int | None = None
    has_text_layer: bool | None = None
    text_chars: int | None = None
    encrypted: bool = False
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    error: str | None = None  # technical detail of an unreadable file, for logs, not for users


def unreadable(result: Inspection, message: str, error: BaseException | str, path: Path | None = None
               ) -> Inspection:
    """Record a material.unreadable finding and make the file unusable.

    An error of our storage (an errno such as EIO, ENOENT, EACCES) is raised as StoreFault
    instead: the file was not judged, so nothing may be said against it.
    """
    if isinstance(error, BaseException) and is_store_fault(error):
        raise StoreFault("读取", path, error) from error  # type: ignore[arg-type]
    result.findings.append(Issue("material.unreadable", message))
    result.media_type = None
    result.error = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
    return result


def size_text(size: float) -> str:
    """Format a byte count for a message, rounding up so a size over the limit never looks equal."""
    if size >= 1024 * 1024:
        return f"{math.ceil(size / 1024 / 1024 * 100) / 100:g}MB"
    if size >= 1024:
        return f"{math.ceil(size / 1024 * 10) / 10:g}KB"
    return f"{int(size)}字节"
