"""The inbox against hostile and clumsy drops: links, FIFOs, batches swapped or extended while
they are imported, and one unit dropping another unit's applicants (docs/inbox.md)."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.watch import NOTE_SUFFIX, InboxWatcher
from intake.watch_import import make_importer
from pipeline.storage.db.models import Application, ImportBatch
from tests.http_support import DESIGN, MINISTRY, RESEARCH, TECH, batch_zip, person, setup_units
from tests.integration.test_watch import apps, batches, folder_batch
from zhicheng.sample.units import _PENDING_CODE as PENDING


@pytest.fixture
def inbox(tmp_path: Path, runtime) -> Path:
    setup_units(runtime.ctx)
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def settle(w: InboxWatcher, polls: int = 3) -> list:
    out = []
    for _ in range(polls):
        out += w.poll()
    return out


def note(path: Path) -> str:
    return Path(str(path) + NOTE_SUFFIX).read_text(encoding="utf-8")


def names(runtime) -> set[str]:
    with runtime.ctx.db.uow() as s:
        return set(s.scalars(select(Application.name)))


def test_symlinks_at_the_top_are_set_aside_never_followed(runtime, inbox, tmp_path) -> None:
    outside = tmp_path / "outside"
    folder_batch(outside / "别人的批次", [person(1, DESIGN)])
    batch_zip([person(2, DESIGN)], tmp_path / "linked.zip")
    (inbox / "目录链接").symlink_to(outside / "别人的批次")
    (inbox / "链接.zip").symlink_to(tmp_path / "linked.zip")
    w = InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send))
    outcomes = settle(w)
    assert sorted(o.name for o in outcomes) == ["目录链接", "链接.zip"]
    assert all(o.imported.rejected for o in outcomes) and batches(runtime) == 0
    for o in outcomes:
        assert o.moved_to.is_symlink() and "符号链接" in note(o.moved_to)
    assert (outside / "别人的批次").is_dir() and (tmp_path / "linked.zip").is_file()  # untouched


def test_a_symlink_inside_a_batch_folder_refuses_the_batch(runtime, inbox, tmp_path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 private")
    batch = folder_batch(inbox / "带链接", [person(1, DESIGN)])
    applicant = next(p for p in batch.iterdir() if p.is_dir())
    (applicant / "业绩材料-2.pdf").symlink_to(secret)
    [outcome] = settle(InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send)))
    assert outcome.imported.rejected and batches(runtime) == 0
    assert "业绩材料-2.pdf" in note(outcome.moved_to) and "符号链接" in note(outcome.moved_to)


def test_a_fifo_never_blocks_the_watcher(runtime, inbox) -> None:
    os.mkfifo(inbox / "管道.zip")
    batch_zip([person(1, DESIGN)], inbox / "正常.zip")
    w = InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send))
    result: list = []
    poller = threading.Thread(target=lambda: result.extend(settle(w)), daemon=True)
    poller.start()
    poller.join(120)  # a hang guard only: a watcher that opened the FIFO would never return
    assert not poller.is_alive(), "the watcher blocked on a FIFO"
    by_name = {o.name: o for o in result}
    assert by_name["管道.zip"].imported.rejected and "命名管道" in note(by_name["管道.zip"].moved_to)
    assert not by_name["正常.zip"].imported.rejected and batches(runtime) == 1


def replacing(real, action):
    """An importer that does `action` (the clumsy unit) once, while the real import runs."""
    done: list[bool] = []

    def run(path: Path, *unit: str):
        if not done:
            done.append(True)
            action()
        return real(path, *unit)

    return run


def test_a_batch_replaced_during_its_import_is_not_moved_as_imported(runtime, inbox) -> None:
    first = [person(1, DESIGN)]
    other = [person(n, RESEARCH) for n in (11, 12, 13)]  # another batch of 3 applicants

    def replace() -> None:
        batch_zip(other, inbox / "tmp-new.zip")
        os.replace(inbox / "tmp-new.zip", inbox / "批次.zip")  # swapped under the same name

    batch_zip(first, inbox / "批次.zip")
    w = InboxWatcher(inbox, replacing(make_importer(runtime.ctx, runtime.queue.send), replace))
    w.poll()
    assert w.poll() == [] and (inbox / "批次.zip").exists()  # imported the first, not moved
    assert batches(runtime) == 1 and names(runtime) == {"测试1"}
    [outcome] = settle(w)
    assert not outcome.imported.rejected and batches(runtime) == 2
    assert names(runtime) == {"测试1", "测试11", "测试12", "测试13"}  # nothing of the new one lost
    with zipfile.ZipFile(outcome.moved_to) as zf:  # what sits in processed/ is what was imported
        assert any("测试13" in n for n in zf.namelist())
    assert f"批次{outcome.imported.batch_id}" in note(outcome.moved_to)


def test_a_folder_extended_during_its_import_is_imported_again(runtime, inbox) -> None:
    batch = folder_batch(inbox / "文件夹批次", [person(1, DESIGN)])
    roster = batch / "roster.csv"
    late = folder_batch(inbox.parent / "late", [person(2, DESIGN)])

    def extend() -> None:  # the second applicant's folder and row arrive during the import
        for p in late.iterdir():
            if p.is_dir():
                p.rename(batch / p.name)
        roster.write_bytes(_merged(roster, late / "roster.csv"))

    w = InboxWatcher(inbox, replacing(make_importer(runtime.ctx, runtime.queue.send), extend))
    w.poll()
    assert w.poll() == [] and batch.exists() and names(runtime) == {"测试1"}
    [outcome] = settle(w)
    assert outcome.moved_to.parent.name == "processed" and names(runtime) == {"测试1", "测试2"}


def _merged(roster: Path, extra: Path) -> bytes:
    """The roster with the other roster's data rows appended."""
    rows = extra.read_bytes().decode("utf-8-sig").splitlines()[1:]
    return (roster.read_bytes().decode("utf-8-sig").rstrip("\r\n") + "\r\n"
            + "\r\n".join(rows) + "\r\n").encode("utf-8-sig")


def test_a_units_folder_imports_its_own_and_its_subordinates_applicants(runtime, inbox) -> None:
    mine = inbox / MINISTRY
    mine.mkdir()
    batch_zip([person(1, MINISTRY), person(2, DESIGN)], mine / "厅和设计院.zip")  # DESIGN is below
    [outcome] = settle(InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send)))
    assert outcome.name == f"{MINISTRY}/厅和设计院.zip" and not outcome.imported.rejected
    assert outcome.moved_to.parent == mine / "processed" and apps(runtime) == 2
    with runtime.ctx.db.uow() as s:
        source = s.scalar(select(ImportBatch.source))
    assert source == f"收件箱：{MINISTRY}/厅和设计院.zip"


def test_a_unit_cannot_drop_another_units_applicants_in_its_folder(runtime, inbox) -> None:
    design = inbox / DESIGN
    design.mkdir()
    batch_zip([person(1, DESIGN), person(2, TECH)], design / "夹带.zip")
    pending = inbox / PENDING
    pending.mkdir()
    batch_zip([person(3, PENDING)], pending / "待审核单位.zip")
    outcomes = {o.name: o for o in settle(InboxWatcher(inbox, make_importer(runtime.ctx,
                                                                            runtime.queue.send)))}
    smuggled = outcomes[f"{DESIGN}/夹带.zip"]
    assert smuggled.imported.rejected and smuggled.moved_to.parent == design / "rejected"
    assert "花名册第3行" in note(smuggled.moved_to) and TECH in note(smuggled.moved_to)
    waiting = outcomes[f"{PENDING}/待审核单位.zip"]
    assert waiting.imported.rejected and "尚待中心审核" in note(waiting.moved_to)
    assert batches(runtime) == 0 and apps(runtime) == 0  # the whole batch refused, nothing kept


def test_the_centers_flat_inbox_still_takes_any_unit(runtime, inbox) -> None:
    batch_zip([person(1, DESIGN), person(2, TECH)], inbox / "中心.zip")
    [outcome] = settle(InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send)))
    assert not outcome.imported.rejected and apps(runtime) == 2


def test_a_snapshot_left_by_a_dead_watcher_is_removed_at_start(runtime, inbox) -> None:
    left = inbox / ".snapshots" / "dead" / "x.zip"
    left.parent.mkdir(parents=True)
    left.write_bytes(io.BytesIO(b"PK").getvalue())
    InboxWatcher(inbox, make_importer(runtime.ctx, runtime.queue.send))
    assert not (inbox / ".snapshots").exists()
