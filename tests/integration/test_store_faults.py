"""Our storage's faults are ours: a full disk, blobs/ on its own filesystem, the store not mounted
on a worker host. Nothing is said against an applicant, nothing is lost, the import says so.

Real filesystems: a tmpfs mounted on `blobs/` (tests/files/mounts.py), of 256 KB for a full disk;
a tmpfs mounted over an existing `blobs/` hides it as an unmounted store would (ENOENT).
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.bulk import open_batch
from pipeline.domain.identity import make_id_number
from pipeline.domain.states import State
from pipeline.services.intake import submit_batch
from pipeline.services.recovery import retry_failed
from pipeline.stages import STAGES
from pipeline.stages.runner import run_stage
from pipeline.storage.blobstore import BlobStore
from pipeline.storage.db.models import Application, BatchProblem, FindingRow, ImportBatch, Material
from pipeline.storage.faults import StoreFault
from tests.files.mounts import tmpfs
from tests.integration import badfiles
from tests.integration.badfiles import Person

UNIT = "91430111MA4PQ7R2XK"


def people(n: int) -> list[Person]:
    return [Person(name, make_id_number(f"4301021990{i + 1:02d}0112{i}"), UNIT)
            for i, name in enumerate(["张伟", "李娜", "王强", "刘芳"][:n])]


def build(tmp_path: Path, persons: list[Person]) -> Path:
    batch = tmp_path / "in" / "职称申报-2026"
    for person in persons:
        badfiles.write_applicant(batch, person)
    badfiles.write_roster(batch / "roster.csv", [p.row for p in persons])
    return batch


def submit(ctx, path: Path, leave_free: int | None = None) -> tuple[int, list[int]]:
    """Import a batch; with `leave_free`, the store's disk is filled to that many free bytes
    after the free-space guard has passed (as another import running at the same time does)."""
    started: list[int] = []
    with open_batch(path, ctx.settings.with_(free_space_margin=0)) as intake:
        assert not intake.fatal, intake.problems
        if leave_free is not None:
            blobs = ctx.settings.data_dir / "blobs"
            free = os.statvfs(blobs).f_bavail * os.statvfs(blobs).f_frsize
            (blobs / "filler").write_bytes(bytes(max(0, free - leave_free)))
        return submit_batch(ctx, intake, lambda _, ids: started.extend(ids)), started


def test_blobs_on_their_own_filesystem_are_stored_whole(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    with tmpfs(data_dir / "blobs", "8m"):
        (data_dir / "tmp").mkdir(parents=True)
        probe = data_dir / "tmp" / "probe"
        probe.write_bytes(b"x")
        with pytest.raises(OSError) as across:  # what the old store did: a rename across volumes
            os.replace(probe, data_dir / "blobs" / "probe")
        assert across.value.errno == errno.EXDEV
        store = BlobStore(data_dir)
        data = os.urandom(3 * 1024 * 1024 + 17)
        blob = store.put_stream(io.BytesIO(data))
        assert blob.kept and store.path(blob.sha256).read_bytes() == data
        assert os.stat(store.path(blob.sha256)).st_dev != os.stat(data_dir / "tmp").st_dev
        assert store.put_bytes(b"upright copy") == __import__("hashlib").sha256(b"upright copy").hexdigest()
        leftovers = [p.name for p in (data_dir / "blobs").iterdir() if p.is_file()]
        assert leftovers == []  # no temporary file left beside the fan-out folders


def test_a_full_disk_interrupts_the_import_and_blames_no_applicant(ctx, tmp_path: Path) -> None:
    batch = build(tmp_path, people(4))
    blobs = ctx.settings.data_dir / "blobs"
    with tmpfs(blobs, "16m"):
        ctx.blobs = BlobStore(ctx.settings.data_dir)
        with pytest.raises(StoreFault) as caught:
            submit(ctx, batch, leave_free=300 * 1024)
        assert caught.value.errno == errno.ENOSPC
        assert "磁盘空间已满" in str(caught.value)
        with ctx.db.uow() as s:
            assert s.scalars(select(ImportBatch.status)).one() == "interrupted"
            problems = [(p.code, p.message) for p in s.scalars(select(BatchProblem))]
            blamed = list(s.scalars(select(Material).where(Material.intake_problem.is_not(None))))
            created = len(list(s.scalars(select(Application))))
            stored = [m.sha256 for m in s.scalars(select(Material))]
        assert [code for code, _ in problems] == ["batch.store_failed"]
        assert "磁盘空间已满" in problems[0][1] and "重新导入" in problems[0][1]
        assert blamed == []  # no material marked damaged or unreadable
        assert created < 4  # the import stopped at the chunk it could not store
        assert all(sha and (blobs / sha[:2] / sha).exists() for sha in stored)  # what is kept is whole

        (blobs / "filler").unlink()  # the operator frees space: the same batch again, nothing twice
        _, started = submit(ctx, batch)
        with ctx.db.uow() as s:
            apps = list(s.scalars(select(Application)))
            assert len(apps) == 4
            assert not list(s.scalars(select(Material).where(Material.intake_problem.is_not(None))))
            for a in apps:
                for m in a.materials:
                    assert (blobs / m.sha256[:2] / m.sha256).exists()
            ids = sorted(a.id for a in apps)
        assert sorted(started) == ids  # each application (created, or waiting) sent once


def _run(ctx, stage: str, app_id: int) -> list[int]:
    """One run of a stage on one application; the ids the queue would retry."""
    return run_stage(ctx, STAGES, STAGES.named(stage), [app_id])[1]


def _stage_until_done(ctx, stage: str, app_id: int) -> None:
    for _ in range(ctx.settings.stage_attempt_cap + 1):
        if not _run(ctx, stage, app_id):   # a store fault is transient: retried up to the cap
            return


@pytest.mark.parametrize("stage", ["normalize", "extract"])
def test_a_store_not_mounted_on_the_worker_fails_the_application_not_the_applicant(
        ctx, tmp_path: Path, stage: str) -> None:
    (person,) = people(1)
    _, (app_id,) = submit(ctx, build(tmp_path, [person]))
    if stage == "extract":
        _run(ctx, "normalize", app_id)
    blobs = ctx.settings.data_dir / "blobs"
    with tmpfs(blobs, "1m"):  # an empty filesystem where the store should be: ENOENT
        _stage_until_done(ctx, stage, app_id)
        with ctx.db.uow() as s:
            app = s.get(Application, app_id)
            findings = list(s.scalars(select(FindingRow).where(FindingRow.application_id == app_id)))
            assert app.state == str(State.FAILED)
            assert "文件存储读取失败" in app.last_error and "不是申报材料的问题" in app.last_error
            assert "retry" in app.last_error
            assert findings == []  # nothing said against the applicant's files
    # The store is back: an operator's retry goes through with nothing found against the files.
    assert retry_failed(ctx, lambda *_: None, [app_id]) == [app_id]
    for name in ("normalize", "extract", "check"):
        _run(ctx, name, app_id)
    with ctx.db.uow() as s:
        rules = {f.rule for f in s.scalars(select(FindingRow).where(FindingRow.application_id == app_id))}
    assert not rules & {"material.unreadable", "report.too_short", "report.unverified"}, rules


@pytest.mark.slow  # runs the CLI in subprocesses
def test_the_import_command_exits_non_zero_with_a_chinese_message_on_a_full_disk(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    batch = build(tmp_path, people(3))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHENG_")}
    env |= {"ZHICHENG_DATA_DIR": str(data_dir), "ZHICHENG_OCR_ENGINE": "null"}

    def zhicheng(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "zhicheng", *args], env=env | extra,
                              capture_output=True, text=True, timeout=180)

    with tmpfs(data_dir / "blobs", "200k"):
        assert zhicheng("init").returncode == 0
        # The free-space guard sees it first: refused before anything is unpacked.
        guarded = zhicheng("intake", "import", str(batch))
        assert guarded.returncode == 3, guarded  # refused (the error tree's code)
        assert "服务器存储空间不足" in guarded.stderr and "不是批次本身的问题" in guarded.stderr
        # The disk fills during the import (the guard told a margin it cannot keep, as when
        # another import runs at the same time): stopped, exit code 7 (a transient fault of ours),
        # the reason in Chinese.
        run = zhicheng("intake", "import", str(batch), ZHICHENG_FREE_SPACE_MARGIN=str(-(1 << 30)))
    assert run.returncode == 7, run
    assert "磁盘空间已满" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert "已损坏" not in run.stderr + run.stdout and "无法读取" not in run.stderr + run.stdout


def test_each_chunk_of_an_import_is_flushed_once_before_its_rows_are_committed(
        ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.storage import blobstore

    batch = build(tmp_path, people(4))
    ctx.settings = ctx.settings.with_(stage_chunk=2)
    seen: list[tuple[int, int]] = []  # (applications committed, blobs stored) at each flush
    real_syncfs, real_fsync = blobstore._syncfs, os.fsync
    fsyncs: list[int] = []

    def syncfs(path: Path) -> None:
        with ctx.db.uow() as s:
            seen.append((len(list(s.scalars(select(Application)))),
                         len(list((ctx.settings.data_dir / "blobs").rglob("*/*")))))
        real_syncfs(path)

    def fsync(fd: int) -> None:
        fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(blobstore, "_syncfs", syncfs)
    monkeypatch.setattr(os, "fsync", fsync)
    submit(ctx, batch)
    assert [apps for apps, _ in seen] == [0, 2]  # each chunk's files before its rows
    assert seen[0][1] > 0 and seen[1][1] > seen[0][1]
    assert fsyncs == []  # no file or folder flushed one by one
    with ctx.db.uow() as s:
        assert len(list(s.scalars(select(Application)))) == 4
