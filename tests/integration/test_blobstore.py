"""The content-addressed file store: originals kept once, byte for byte, only under the data dir."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from pipeline.context import Context
from pipeline.settings import Settings
from pipeline.storage.blobstore import CHUNK, TMP_PREFIX, BlobStore

MB = 1024 * 1024


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def some_bytes(size: int, seed: int = 1) -> bytes:
    """Incompressible, reproducible bytes (not a repeated pattern that could hide an offset bug)."""
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


class CountingStream(io.RawIOBase):
    """A stream of `size` bytes that is made on the fly and remembers how much was read."""

    def __init__(self, size: int) -> None:
        self.size, self.given = size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.given if n < 0 else min(n, self.size - self.given)
        self.given += n
        return b"\x5a" * n


class BrokenStream(io.RawIOBase):
    """A stream that gives some bytes, then fails as a dropped upload would."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("连接中断")
        return b"%PDF-1.7 partial" * 1000


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def store(data_dir: Path) -> BlobStore:
    return BlobStore(data_dir)


def test_the_same_bytes_are_stored_once_under_their_sha256(store: BlobStore, data_dir: Path) -> None:
    data = "学历证书".encode() + some_bytes(5000)
    sha = hashlib.sha256(data).hexdigest()
    assert store.put_bytes(data) == sha
    assert store.put_bytes(data) == sha
    assert store.put_stream(io.BytesIO(data)).sha256 == sha
    assert files_under(data_dir / "blobs") == [data_dir / "blobs" / sha[:2] / sha]
    assert store.path(sha) == data_dir / "blobs" / sha[:2] / sha
    assert store.exists(sha)


def test_different_bytes_are_different_blobs(store: BlobStore, data_dir: Path) -> None:
    a, b = store.put_bytes(b"first file"), store.put_bytes(b"second file")
    assert a != b
    assert {p.name for p in files_under(data_dir / "blobs")} == {a, b}


def test_an_original_is_kept_byte_for_byte_across_chunk_boundaries(store: BlobStore) -> None:
    data = some_bytes(2 * CHUNK + 12345)
    blob = store.put_stream(io.BytesIO(data), limit=10 * MB)
    assert blob.kept
    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert store.path(blob.sha256).read_bytes() == data


def test_an_empty_file_is_a_blob_too(store: BlobStore) -> None:
    blob = store.put_stream(io.BytesIO(b""), limit=10)
    assert blob.kept and blob.size == 0
    assert store.path(blob.sha256).read_bytes() == b""


def test_a_stored_original_cannot_be_overwritten_by_accident(store: BlobStore) -> None:
    sha = store.put_bytes(b"%PDF-1.4 original")
    mode = stat.S_IMODE(store.path(sha).stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def test_a_stream_exactly_at_the_limit_is_kept(store: BlobStore) -> None:
    data = some_bytes(3000)
    blob = store.put_stream(io.BytesIO(data), limit=3000)
    assert blob.kept and blob.size == 3000


def test_a_stream_over_the_limit_keeps_nothing_and_leaves_no_temp_file(
        store: BlobStore, data_dir: Path) -> None:
    data = some_bytes(3001)
    blob = store.put_stream(io.BytesIO(data), limit=3000)
    assert not blob.kept
    assert blob.sha256 is None
    assert blob.size > 3000
    assert files_under(data_dir) == []
    assert not store.exists(hashlib.sha256(data).hexdigest())


def test_reading_stops_soon_after_the_limit(store: BlobStore, data_dir: Path) -> None:
    """A 50 MB upload against a 10 MB limit is not read to its end."""
    stream = CountingStream(50 * MB)
    blob = store.put_stream(stream, limit=10 * MB)
    assert not blob.kept
    assert stream.given <= 10 * MB + CHUNK
    assert files_under(data_dir) == []


def test_a_stream_that_fails_midway_keeps_nothing_and_the_error_is_not_hidden(
        store: BlobStore, data_dir: Path) -> None:
    with pytest.raises(ConnectionResetError):
        store.put_stream(BrokenStream())
    assert files_under(data_dir) == []


def test_concurrent_puts_of_the_same_content_give_one_intact_blob(
        store: BlobStore, data_dir: Path) -> None:
    data = some_bytes(3 * CHUNK + 7)
    sha = hashlib.sha256(data).hexdigest()
    results: list[str | None] = []
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def put(i: int) -> None:
        try:
            start.wait()
            if i % 2:
                results.append(store.put_bytes(data))
            else:
                results.append(store.put_stream(io.BytesIO(data), limit=10 * MB).sha256)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert results == [sha] * 16
    assert files_under(data_dir) == [store.path(sha)]  # one blob, no temp file left
    assert store.path(sha).read_bytes() == data


def test_concurrent_puts_of_different_content_keep_each_one(store: BlobStore, data_dir: Path) -> None:
    contents = [some_bytes(CHUNK + i, seed=i) for i in range(8)]
    results: dict[int, str] = {}

    def put(i: int) -> None:
        results[i] = store.put_stream(io.BytesIO(contents[i])).sha256

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(set(results.values())) == 8
    for i, data in enumerate(contents):
        assert store.path(results[i]).read_bytes() == data
    assert len(files_under(data_dir)) == 8


def test_nothing_is_written_outside_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "var"
    store = BlobStore(data_dir)
    store.put_bytes(some_bytes(1000))
    store.put_stream(io.BytesIO(some_bytes(2 * CHUNK, seed=2)))
    store.put_stream(io.BytesIO(some_bytes(2 * CHUNK, seed=3)), limit=CHUNK)
    with pytest.raises(ConnectionResetError):
        store.put_stream(BrokenStream())
    outside = [p for p in tmp_path.rglob("*") if not p.is_relative_to(data_dir) and p != system_tmp]
    assert outside == []
    assert list(system_tmp.iterdir()) == []
    assert all(p.is_relative_to(data_dir / "blobs") for p in files_under(data_dir))
    assert len(files_under(data_dir)) == 2


def test_the_context_keeps_its_blobs_under_the_configured_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "somewhere" / "data"
    ctx = Context.from_settings(Settings(data_dir=data_dir))
    try:
        sha = ctx.blobs.put_bytes(b"\xff\xd8\xff\xe0 jpeg")
        assert ctx.blobs.path(sha).is_relative_to(data_dir / "blobs")
        assert ctx.blobs.path(sha).exists()
    finally:
        ctx.db.dispose()
    assert os.path.isdir(data_dir / "blobs")


class Flushes:
    """What the store asked the kernel to flush: fsync(2) of a file or folder, syncfs(2)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from pipeline.storage import blobstore

        self.fsyncs: list[str] = []
        self.syncfs = 0
        real_fsync, real_syncfs = os.fsync, blobstore._syncfs

        def fsync(fd: int) -> None:
            self.fsyncs.append(os.readlink(f"/proc/self/fd/{fd}"))
            real_fsync(fd)

        def syncfs(path: Path) -> None:
            self.syncfs += 1
            real_syncfs(path)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(blobstore, "_syncfs", syncfs)


def test_a_stored_stream_is_flushed_file_and_folder(store: BlobStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    flushes = Flushes(monkeypatch)
    blob = store.put_stream(io.BytesIO(b"one"))
    assert blob.sha256 is not None
    temporary, folder = flushes.fsyncs  # the file under its temporary name, then its folder
    assert temporary.startswith(str(store.root / TMP_PREFIX))
    assert folder == str(store.path(blob.sha256).parent) and flushes.syncfs == 0


def test_a_chunk_stored_not_durable_is_flushed_once_by_sync(
        store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    flushes = Flushes(monkeypatch)
    blobs = [store.put_stream(io.BytesIO(some_bytes(1000, seed)), durable=False)
             for seed in range(20)]
    assert flushes.fsyncs == [] and flushes.syncfs == 0  # nothing flushed one by one
    assert all(store.path(b.sha256 or "").read_bytes() == some_bytes(1000, seed)
               for seed, b in enumerate(blobs))  # readable at once under their hash
    store.sync()
    assert flushes.syncfs == 1 and flushes.fsyncs == []
    store.sync()  # nothing pending: nothing flushed again
    assert flushes.syncfs == 1


def test_without_syncfs_sync_flushes_each_pending_file_and_folder(
        store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.storage import blobstore

    monkeypatch.setattr(blobstore, "_SYNCFS", None)
    flushes = Flushes(monkeypatch)
    blobs = [store.put_stream(io.BytesIO(some_bytes(100, seed)), durable=False)
             for seed in range(5)]
    store.sync()
    paths = {str(store.path(b.sha256 or "")) for b in blobs}
    folders = {str(store.path(b.sha256 or "").parent) for b in blobs}
    assert set(flushes.fsyncs) == paths | folders and flushes.syncfs == 0


def test_a_blob_left_empty_by_a_crash_before_sync_is_written_again(store: BlobStore) -> None:
    data = b"normalised image"
    sha = hashlib.sha256(data).hexdigest()
    path = store.path(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")  # what a crash after the rename and before the flush can leave
    assert store.put_bytes(data) == sha
    assert path.read_bytes() == data


@pytest.mark.parametrize("release, reports", [
    ("6.18.44-fc-v1300", True), ("5.8.0", True), ("5.10.0-28-amd64", True),
    ("5.4.0-150-generic", False), ("4.19.0", False), ("3.10.0-1160.el7.x86_64", False),
    ("", False), ("unknown", False)])
def test_syncfs_is_used_only_where_it_reports_writeback_errors(release: str, reports: bool) -> None:
    from pipeline.storage.blobstore import reports_writeback_errors

    assert reports_writeback_errors(release) is reports
