"""The entries of a batch: a file's path, size and capped stream, an applicant's folder, and the
rules for member paths (safe, junk, parent) that `intake.source` applies while listing a batch."""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from pipeline.errors import Refused

MAX_MEMBER_BYTES = 10 * 1024 * 1024
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


class EntryError(Refused, OSError):
    """A batch entry cannot be read to the end."""


class EntryTooLarge(EntryError):
    """More than the batch's per-entry byte cap was read from an entry."""


class EntryCorrupt(EntryError):
    """An entry's data is damaged (bad CRC, truncated or undecodable compressed data)."""


@dataclass(frozen=True)
class Entry:
    """One file of a batch: its path as shown to operators, declared size, and a way to stream it."""

    relpath: str  # posix path relative to the batch root, as shown to operators
    size: int  # declared size in bytes
    _opener: Callable[[], BinaryIO] = field(repr=False, compare=False)
    max_bytes: int = field(default=MAX_MEMBER_BYTES, compare=False)

    @property
    def name(self) -> str:
        """The file name without its folders."""
        return PurePosixPath(self.relpath).name

    def open(self) -> BinaryIO:
        """A binary stream of the content, raising EntryTooLarge past `max_bytes` read."""
        return io.BufferedReader(_CappedReader(self._opener(), self.relpath, self.max_bytes))


@dataclass
class ApplicantFolder:
    """A folder of one applicant's materials at the batch root."""

    name: str  # folder name as shown
    id_number: str | None  # the 18-character ID number found in the name, upper-case X
    files: list[Entry] = field(default_factory=list)  # every file below it, sorted by relpath


class _CappedReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, relpath: str, limit: int) -> None:
        self._inner, self._relpath, self._limit, self._read = inner, relpath, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._limit + 1 - self._read)
        try:
            data = self._inner.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise EntryCorrupt(f"{self._relpath}: {exc}") from exc
        self._read += len(data)
        if self._read > self._limit:
            raise EntryTooLarge(f"{self._relpath}: more than {self._limit} bytes")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def human_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} 字节"


def zip_name(info: zipfile.ZipInfo) -> str:
    """The member name, re-decoded when the UTF-8 flag is unset (Windows zips use GBK)."""
    if info.flag_bits & 0x800:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.orig_filename


def safe_path(raw: str) -> str | None:
    """The normalized posix path, or None for `..`, absolute, drive, UNC or control-character paths."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or any(ord(c) < 32 for c in name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def is_junk(relpath: str) -> bool:
    parts = relpath.split("/")
    base = parts[-1]
    return ("__MACOSX" in parts or base.lower() in _JUNK_NAMES or base.startswith("~$")
            or any(p.startswith(".") for p in parts))


def parent_of(relpath: str) -> str:
    return relpath.rpartition("/")[0]


def open_file(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")

