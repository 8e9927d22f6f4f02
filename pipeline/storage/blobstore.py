"""A content-addressed file store (SHA-256) under the data directory; originals kept byte for byte.

Durable and volume-independent: a file is written to a temporary name inside `blobs/` itself
(so on the filesystem that holds the blobs, even when `blobs/` is its own mount), flushed to
disk, renamed to its hash within that volume and the folder flushed. Intake stores a chunk's files
with `durable=False` and then calls `sync()` once before committing the rows that name them: one
`syncfs` of the store's filesystem instead of two fsyncs a file (Linux 5.8 and later, whose
syncfs reports writeback errors; elsewhere each pending file and folder is flushed then). A failure of our own
storage (full disk, store not mounted, no permission, I/O error) raises `StoreFault`; an error
of the stream being stored (a damaged zip member) is raised as it is.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.storage.faults import StoreFault, is_store_fault

CHUNK = 1024 * 1024
TMP_PREFIX = ".in-"  # temporary files in blobs/ (never a hash: hashes are hex)


@dataclass(frozen=True)
class StoredBlob:
    """What storing a stream gave: its hash and size, or only that it was over the limit."""

    sha256: str | None   # None when the stream was over the limit and was not kept
    size: int            # bytes read (at most limit + 1 when over the limit)

    @property
    def kept(self) -> bool:
        return self.sha256 is not None


def _on_dir(path: Path, flush: Callable[[int], object]) -> None:
    """Call `flush` (fsync, syncfs) on a file descriptor of the folder `path`."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flush(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _on_dir(path, os.fsync)


def reports_writeback_errors(release: str) -> bool:
    """Whether syncfs(2) of this Linux release returns writeback errors (5.8 and later); on an
    older kernel only fsync(2) does, so each pending file is flushed on its own there."""
    match = re.match(r"(\d+)\.(\d+)", release)
    return match is not None and (int(match[1]), int(match[2])) >= (5, 8)


_SYNCFS = (getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)  # Linux (glibc, musl)
           if reports_writeback_errors(os.uname().release) else None)


def _syncfs(path: Path) -> None:
    """Flush the whole filesystem that holds `path` (data and metadata): syncfs(2)."""
    assert _SYNCFS is not None
    syncfs = _SYNCFS

    def flush(fd: int) -> None:
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), str(path))

    _on_dir(path, flush)


class BlobStore:
    """Files stored once by content under `<data_dir>/blobs/ab/<sha256>` (256 folders, as git does)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "blobs"
        self.tmp = data_dir / "tmp"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreFault("创建目录", self.root, exc) from exc
        self._dirs: set[Path] = set()          # fan-out folders known to exist
        self._names = itertools.count()
        self._prefix = f"{TMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
        self._pending: set[Path] = set()       # stored with durable=False, not yet synced
        self._lock = threading.Lock()

    def _open_tmp(self) -> tuple[int, str]:
        """A new, exclusive temporary file inside blobs/ (read-only once closed)."""
        name = str(self.root / f"{self._prefix}-{threading.get_ident():x}-{next(self._names)}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), name
        except OSError as exc:
            raise StoreFault("写入", self.root, exc) from exc

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives."""
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def check_readable(self, sha256: str) -> Path:
        """The blob's path, after making sure it can be opened; StoreFault if not."""
        path = self.path(sha256)
        try:
            with open(path, "rb") as fh:
                fh.read(1)
        except OSError as exc:
            raise StoreFault("读取", path, exc) from exc
        return path

    def put_stream(self, stream: BinaryIO, limit: int | None = None, *,
                   durable: bool = True) -> StoredBlob:
        """Store a stream in chunks; past `limit` bytes stop reading and keep nothing.
        `durable=False`: not flushed yet; the caller calls `sync()` before it commits the hash."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = self._open_tmp()
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)  # the source's own errors pass as they are
                    if not chunk:
                        break
                    size += len(chunk)
                    if limit is not None and size > limit:
                        os.unlink(tmp_name)
                        return StoredBlob(None, size)
                    digest.update(chunk)
                    self._write(out, chunk)
                if durable:
                    self._sync(out)
            sha = digest.hexdigest()
            self._commit(tmp_name, sha, durable)
            return StoredBlob(sha, size)
        except BaseException:
            _remove(tmp_name)
            raise

    def put_bytes(self, data: bytes) -> str:
        """Store bytes; return their hash."""
        sha = hashlib.sha256(data).hexdigest()
        if not self._whole(sha, len(data)):
            fd, tmp_name = self._open_tmp()
            try:
                with os.fdopen(fd, "wb") as out:
                    self._write(out, data)
                    self._sync(out)
                self._commit(tmp_name, sha)
            except BaseException:
                _remove(tmp_name)
                raise
        return sha

    def sync(self) -> None:
        """Make every blob stored with `durable=False` durable (StoreFault when the disk fails)."""
        with self._lock:
            pending, self._pending = self._pending, set()
        if not pending:
            return
        try:
            if _SYNCFS is not None:
                _syncfs(self.root)
            else:
                for path in pending:
                    with open(path, "rb") as fh:
                        os.fsync(fh.fileno())
                for folder in {path.parent for path in pending}:
                    _fsync_dir(folder)
        except OSError as exc:
            with self._lock:
                self._pending |= pending
            raise StoreFault("写入", self.root, exc) from exc

    def _whole(self, sha256: str, size: int) -> bool:
        """Whether the blob is stored at its full size (a crash before `sync` can leave the
        name of a blob with none of its bytes: it is written again)."""
        try:
            return self.path(sha256).stat().st_size == size
        except OSError:
            return False

    def _write(self, out: BinaryIO, data: bytes) -> None:
        try:
            out.write(data)
        except OSError as exc:
            raise StoreFault("写入", self.root, exc) from exc

    def _sync(self, out: BinaryIO) -> None:
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:  # a full disk often shows only here (delayed allocation)
            raise StoreFault("写入", self.root, exc) from exc

    def _commit(self, tmp_name: str, sha: str, durable: bool = True) -> None:
        target = self.path(sha)
        try:
            if target.parent not in self._dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._dirs.add(target.parent)
            # Atomic, and on one volume (the temporary file is in blobs/): a reader never sees
            # half a blob; the same content stored twice is the same file.
            os.replace(tmp_name, target)
            if durable:
                _fsync_dir(target.parent)
            else:
                with self._lock:
                    self._pending.add(target)
        except OSError as exc:
            if is_store_fault(exc):
                raise StoreFault("保存", target, exc) from exc
            raise


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass
