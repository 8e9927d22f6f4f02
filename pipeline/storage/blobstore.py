"""A content-addressed file store (SHA-256) under the data directory; originals kept byte for byte."""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    """What storing a stream gave: its hash and size, or only that it was over the limit."""

    sha256: str | None   # None when the stream was over the limit and was not kept
    size: int            # bytes read (at most limit + 1 when over the limit)

    @property
    def kept(self) -> bool:
        return self.sha256 is not None


class BlobStore:
    """Files stored once by content under `<data_dir>/blobs/ab/<sha256>` (256 folders, as git does)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "blobs"
        self.tmp = data_dir / "tmp"
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._dirs: set[Path] = set()          # fan-out folders known to exist
        self._names = itertools.count()
        self._prefix = f"in-{os.getpid()}-{os.urandom(4).hex()}"

    def _open_tmp(self) -> tuple[int, str]:
        """A new, exclusive temporary file in the store's tmp folder (read-only once closed)."""
        name = str(self.tmp / f"{self._prefix}-{threading.get_ident():x}-{next(self._names)}")
        return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), name

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives."""
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_stream(self, stream: BinaryIO, limit: int | None = None) -> StoredBlob:
        """Store a stream in chunks; past `limit` bytes stop reading and keep nothing."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = self._open_tmp()
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if limit is not None and size > limit:
                        os.unlink(tmp_name)
                        return StoredBlob(None, size)
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            self._commit(tmp_name, sha)
            return StoredBlob(sha, size)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_bytes(self, data: bytes) -> str:
        """Store bytes; return their hash."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            fd, tmp_name = self._open_tmp()
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            self._commit(tmp_name, sha)
        return sha

    def _commit(self, tmp_name: str, sha: str) -> None:
        target = self.path(sha)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        # Atomic: a reader never sees half a blob; the same content stored twice is the same file.
        os.replace(tmp_name, target)
