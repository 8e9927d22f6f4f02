"""The inbox watcher, driven poll by poll (no sleeping, no clocks), on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.watch import NOTE_SUFFIX, InboxWatcher
from intake.watch_import import make_importer
from pipeline.storage.db.models import Application, ImportBatch
from tests.http_support import DESIGN, batch_zip, person, setup_units


@pytest.fixture
def inbox(tmp_path: Path, runtime) -> Path:
    setup_units(runtime.ctx)
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def batches(runtime) -> int:
    with runtime.ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(ImportBatch)) or 0


def apps(runtime) -> int:
    with runtime.ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(Application)) or 0


def watcher(runtime, inbox: Path, importer=None) -> InboxWatcher:
    return InboxWatcher(inbox, importer or make_importer(runtime.ctx, runtime.queue.send))


def folder_batch(target: Path, people: list[dict[str, str]]) -> Path:
    """The same batch as a folder: unzip what batch_zip makes."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(batch_zip(people))) as zf:
        zf.extractall(target)
    return target


def test_batches_already_in_the_inbox_are_imported_and_moved_with_a_note(runtime, inbox) -> None:
    batch_zip([person(1, DESIGN)], inbox / "一批.zip")
    folder_batch(inbox / "二批", [person(2, DESIGN)])
    w = watcher(runtime, inbox)
    assert w.poll() == []                       # first sight: not known to be settled yet
    done = w.poll()
    assert sorted(o.name for o in done) == ["一批.zip", "二批"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        "一批.zip", "一批.zip" + NOTE_SUFFIX, "二批", "二批" + NOTE_SUFFIX]
    note = (inbox / "processed" / ("一批.zip" + NOTE_SUFFIX)).read_text(encoding="utf-8")
    assert "已导入为批次" in note and "新建申报1份" in note
    assert w.pending() == [] and batches(runtime) == 2 and apps(runtime) == 2


def test_a_zip_copied_in_slowly_is_imported_once_after_it_stops_changing(runtime, inbox) -> None:
    data = batch_zip([person(n, DESIGN) for n in range(1, 4)])
    w = watcher(runtime, inbox)
    target = inbox / "慢慢复制.zip"
    step = len(data) // 5 + 1
    for start in range(0, len(data), step):
        with open(target, "ab") as out:
            out.write(data[start:start + step])
        assert w.poll() == [], f"imported while still being copied (at byte {start})"
    assert batches(runtime) == 0
    assert [o.name for o in w.poll()] == ["慢慢复制.zip"]
    assert batches(runtime) == 1 and apps(runtime) == 3


def test_a_zip_that_stalls_half_written_is_waited_for_not_rejected(runtime, inbox) -> None:
    data = batch_zip([person(1, DESIGN)])
    target = inbox / "半截.zip"
    target.write_bytes(data[: len(data) // 2])
    w = watcher(runtime, inbox)
    for _ in range(4):                           # stable, but its end is not there yet
        assert w.poll() == []
    target.write_bytes(data)
    assert w.poll() == []
    assert [o.imported.rejected for o in w.poll()] == [False]
    assert batches(runtime) == 1


def test_a_folder_still_being_filled_waits_for_its_last_file(runtime, inbox) -> None:
    staging = folder_batch(inbox.parent / "staging", [person(1, DESIGN), person(2, DESIGN)])
    target = inbox / "文件夹批次"
    target.mkdir()
    shutil.copy2(staging / "roster.csv", target / "roster.csv")
    w = watcher(runtime, inbox)
    for child in sorted(p for p in staging.iterdir() if p.is_dir()):
        assert w.poll() == []
        shutil.copytree(child, target / child.name)
    (target / "述职报告.pdf.part").write_bytes(b"%PDF")   # a copy tool's file in progress
    assert w.poll() == [] and w.poll() == []
    (target / "述职报告.pdf.part").unlink()
    assert w.poll() == []
    [outcome] = w.poll()
    assert outcome.imported.batch_id is not None and apps(runtime) == 2


def test_the_same_batch_dropped_twice_is_imported_once(runtime, inbox) -> None:
    data = batch_zip([person(1, DESIGN)])
    w = watcher(runtime, inbox)
    (inbox / "批次.zip").write_bytes(data)
    w.poll()
    [first] = w.poll()
    (inbox / "批次.zip").write_bytes(data)
    w.poll()
    [second] = w.poll()
    assert second.imported.batch_id == first.imported.batch_id
    assert second.moved_to.name == "批次-2.zip"
    assert "未重复导入" in Path(str(second.moved_to) + NOTE_SUFFIX).read_text(encoding="utf-8")
    assert batches(runtime) == 1 and apps(runtime) == 1


def test_a_batch_that_cannot_be_imported_goes_to_rejected_with_a_chinese_note(runtime, inbox) -> None:
    empty = inbox / "没有花名册"
    (empty / "430102198501010011_张三").mkdir(parents=True)
    (empty / "430102198501010011_张三" / "学历证书.jpg").write_bytes(b"x")
    (inbox / "说明.txt").write_text("hello", encoding="utf-8")
    w = watcher(runtime, inbox)
    w.poll()
    outcomes = {o.name: o for o in w.poll()}
    assert set(outcomes) == {"没有花名册", "说明.txt"}
    assert all(o.imported.rejected for o in outcomes.values())
    note = (inbox / "rejected" / ("没有花名册" + NOTE_SUFFIX)).read_text(encoding="utf-8")
    assert "未能受理" in note and "花名册" in note
    assert "不是批次" in (inbox / "rejected" / ("说明.txt" + NOTE_SUFFIX)).read_text(encoding="utf-8")


def test_a_transient_error_is_retried_at_the_next_poll_not_dropped(runtime, inbox) -> None:
    real = make_importer(runtime.ctx, runtime.queue.send)
    calls: list[str] = []

    def flaky(path: Path):
        calls.append(path.name)
        if len(calls) == 1:
            raise PermissionError(13, "file is busy", str(path))
        return real(path)

    batch_zip([person(1, DESIGN)], inbox / "忙.zip")
    w = watcher(runtime, inbox, flaky)
    w.poll()
    assert w.poll() == [] and (inbox / "忙.zip").exists()
    [outcome] = w.poll()
    assert not outcome.imported.rejected and calls == ["忙.zip", "忙.zip"] and batches(runtime) == 1


def test_a_failed_move_is_retried_without_importing_again(runtime, inbox, monkeypatch) -> None:
    import intake.watch as watch

    real_move, failures = shutil.move, []

    def move_once_failing(src, dst):
        if not failures:
            failures.append(src)
            raise PermissionError(13, "share is read-only for a moment", src)
        return real_move(src, dst)

    monkeypatch.setattr(watch.shutil, "move", move_once_failing)
    batch_zip([person(1, DESIGN)], inbox / "移动.zip")
    w = watcher(runtime, inbox)
    w.poll()
    assert w.poll() == [] and batches(runtime) == 1      # imported, committed, not moved
    [outcome] = w.poll()
    assert outcome.moved_to.parent.name == "processed" and batches(runtime) == 1


def test_an_application_left_waiting_at_a_later_stage_is_sent_there_by_the_next_batch(runtime, inbox) -> None:
    from pipeline.stages import STAGES
    from pipeline.stages.runner import run_chunk

    lost: list[tuple[str, list[int]]] = []   # a crash: the messages never reach the queue
    sent: list[tuple[str, list[int]]] = []
    batch_zip([person(1, DESIGN)], inbox / "一批.zip")
    first = watcher(runtime, inbox, make_importer(runtime.ctx, lambda n, ids: lost.append((n, list(ids)))))
    first.poll()
    assert [o.name for o in first.poll()] == ["一批.zip"]
    [(stage, [waiting])] = lost
    assert stage == "normalize"
    run_chunk(runtime.ctx, STAGES, "normalize", [waiting])   # normalized; its extract message lost
    batch_zip([person(1, DESIGN), person(2, DESIGN)], inbox / "二批.zip")
    second = watcher(runtime, inbox, make_importer(runtime.ctx, lambda n, ids: sent.append((n, list(ids)))))
    second.poll()
    assert [o.name for o in second.poll()] == ["二批.zip"]
    with runtime.ctx.db.uow() as s:
        new = s.scalar(select(Application.id).where(Application.id != waiting))
    assert sorted(sent) == [("extract", [waiting]), ("normalize", [new])]
