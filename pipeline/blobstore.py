"""A content-addressed file store (SHA-256) under the data directory; originals kept byte for byte."""

from __future__ import annotations

import hashlib
import os
import tempfile
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
    """Files stored once by content under `<data_dir>/blobs/ab/cd/<sha256>`."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "blobs"
        self.tmp = data_dir / "tmp"
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_stream(self, stream: BinaryIO, limit: int | None = None) -> StoredBlob:
        """Store a stream in chunks; past `limit` bytes stop reading and keep nothing."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="in-")
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
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="in-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            self._commit(tmp_name, sha)
        return sha

    def _commit(self, tmp_name: str, sha: str) -> None:
        target = self.path(sha)
        if target.exists():
            os.unlink(tmp_name)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_name, 0o444)
        os.replace(tmp_name, target)  # atomic: a reader never sees half a blob
