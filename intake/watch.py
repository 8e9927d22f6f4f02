"""The inbox watcher (`zhicheng intake watch`): import each batch that lands in a folder, once.

Polling, so that network shares work (no inotify there). A batch (a folder or a .zip) is
imported only after it has stopped changing: the same size and modification times at two
polls in a row, no file of it named like a copy in progress, and a zip that opens. Only after
the import has committed is it moved to `processed/` or `rejected/`, with a note saying what
became of it; if the move fails it is retried at the next poll, never imported again. Every
poll rescans the whole inbox, so nothing depends on an event being seen. A transient error
(file busy, permission, database away) leaves the batch where it is, to be tried at the next
poll. A batch whose content was imported before (same digest) is not imported again.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import DBAPIError, OperationalError

from pipeline.domain.states import AUTOMATIC
from pipeline.services import receipts

log = logging.getLogger("zhicheng.watch")

PROCESSED, REJECTED = "processed", "rejected"
IN_FLIGHT = (".part", ".tmp", ".crdownload", ".download", ".filepart", ".partial", ".!sync")
NOTE_SUFFIX = ".说明.txt"
TRANSIENT = (OSError, OperationalError, DBAPIError)
GIVE_UP_AFTER = 3        # attempts of an import that fails for a reason that is not transient
UNOPENABLE_POLLS = 5     # stable polls a zip that does not open is waited for before import


@dataclass(frozen=True)
class Imported:
    """What importing a batch gave: its batch id, whether it was refused, the note's text."""

    batch_id: int | None
    rejected: bool
    note: str


Importer = Callable[[Path], Imported]
Signature = tuple[object, ...]


@dataclass
class _Seen:
    signature: Signature | None = None
    stable: int = 0                  # consecutive polls with the same signature
    failures: int = 0
    done: Imported | None = None     # imported, but not moved yet


@dataclass
class Outcome:
    name: str
    moved_to: Path
    imported: Imported


def signature(path: Path) -> Signature | None:
    """What changes while a batch is still arriving; None while it cannot be judged yet."""
    st = path.stat()
    if path.is_file():
        return ("file", st.st_size, st.st_mtime_ns)
    parts: list[object] = ["dir"]
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(IN_FLIGHT):
                return None
            full = Path(root) / name
            fst = full.stat()
            parts.append((str(full.relative_to(path)), fst.st_size, fst.st_mtime_ns))
        for name in dirs:
            parts.append((str((Path(root) / name).relative_to(path)), "d"))
    return tuple(parts)


def _opens(path: Path) -> bool:
    if path.is_dir():
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            zf.infolist()
        return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _free_target(folder: Path, name: str) -> Path:
    target = folder / name
    n = 2
    while target.exists() or Path(str(target) + NOTE_SUFFIX).exists():
        stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
        target = folder / (f"{stem}-{n}{dot}{suffix}")
        n += 1
    return target


class InboxWatcher:
    """Polls one inbox folder; `poll()` does one pass, `run()` loops until stopped."""

    def __init__(self, inbox: Path, importer: Importer, *, settle_polls: int = 1) -> None:
        self.inbox = Path(inbox)
        self.importer = importer
        self.settle_polls = settle_polls
        self.seen: dict[str, _Seen] = {}
        for sub in (PROCESSED, REJECTED):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        out = []
        for entry in sorted(self.inbox.iterdir(), key=lambda p: p.name):
            name = entry.name
            if name in (PROCESSED, REJECTED) or name.startswith((".", "~$")):
                continue
            if name.lower().endswith(IN_FLIGHT):
                continue
            out.append(entry)
        return out

    def poll(self) -> list[Outcome]:
        """One pass over the inbox: import what has settled, move what was imported."""
        outcomes: list[Outcome] = []
        present = set()
        for path in self.candidates():
            present.add(path.name)
            try:
                outcome = self._consider(path)
            except TRANSIENT as exc:  # busy, permissions, database away: next poll
                log.warning("inbox: %s not handled now, will retry: %s", path.name, exc)
                continue
            if outcome is not None:
                outcomes.append(outcome)
        for gone in set(self.seen) - present:
            del self.seen[gone]
        return outcomes

    def _consider(self, path: Path) -> Outcome | None:
        seen = self.seen.setdefault(path.name, _Seen())
        if seen.done is not None:
            return self._move(path, seen.done)
        sig = signature(path)
        if sig is None or sig != seen.signature:
            seen.signature, seen.stable = sig, 0
            return None
        seen.stable += 1
        if seen.stable < self.settle_polls:
            return None
        if path.is_file() and not path.name.lower().endswith(".zip"):
            seen.done = Imported(None, True, f"“{path.name}”不是批次：收件箱只接受批次文件夹或 zip 压缩包"
                                 "（花名册与各申报人的材料文件夹）。请整理后重新放入。")
            return self._move(path, seen.done)
        if not _opens(path) and seen.stable < UNOPENABLE_POLLS:
            return None  # a zip still being copied (its directory at the end is not there yet)
        try:
            seen.done = self.importer(path)
        except TRANSIENT:
            raise
        except Exception as exc:  # noqa: BLE001 - a fault of ours: retry, then set aside with why
            seen.failures += 1
            log.exception("inbox: import of %s failed (attempt %d)", path.name, seen.failures)
            if seen.failures < GIVE_UP_AFTER:
                return None
            seen.done = Imported(None, True, f"导入“{path.name}”时连续{seen.failures}次发生技术故障"
                                 f"（{type(exc).__name__}: {str(exc)[:200]}），未导入。"
                                 "请联系运维人员处理后，把它重新放入收件箱。")
        return self._move(path, seen.done)

    def _move(self, path: Path, done: Imported) -> Outcome:
        folder = self.inbox / (REJECTED if done.rejected else PROCESSED)
        target = _free_target(folder, path.name)
        shutil.move(str(path), str(target))
        Path(str(target) + NOTE_SUFFIX).write_text(done.note + "\n", encoding="utf-8")
        self.seen.pop(path.name, None)
        log.info("inbox: %s → %s", path.name, target)
        return Outcome(path.name, target, done)

    def pending(self) -> list[str]:
        """Names in the inbox not handled yet."""
        return [p.name for p in self.candidates()]

    def run(self, interval: float, stop: threading.Event | None = None,
            on_outcome: Callable[[Outcome], None] | None = None) -> None:
        """Poll every `interval` seconds until `stop` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                for outcome in self.poll():
                    if on_outcome:
                        on_outcome(outcome)
            except TRANSIENT as exc:  # the inbox itself unreadable for a moment
                log.warning("inbox: cannot scan %s: %s", self.inbox, exc)
            stop.wait(interval)

    def run_once(self, interval: float, max_polls: int = 20,
                 on_outcome: Callable[[Outcome], None] | None = None) -> list[str]:
        """Poll until everything present has been handled (or max_polls); return what is left."""
        for i in range(max_polls):
            for outcome in self.poll():
                if on_outcome:
                    on_outcome(outcome)
            if not self.pending():
                break
            if i + 1 < max_polls:
                threading.Event().wait(interval)
        return self.pending()


def make_importer(ctx, start: Callable[[int], None]) -> Importer:  # type: ignore[no-untyped-def]
    """An importer through the same services as `intake import`, skipping known content."""
    from intake.bulk import open_batch
    from pipeline.services import queries, uploads
    from pipeline.services.intake import submit_batch

    def run(path: Path) -> Imported:
        with open_batch(path, ctx.settings, submitted_by="收件箱") as intake:
            existing = uploads.imported_batch(ctx, intake.digest)
            if existing is not None:
                note = note_for(queries.batch_receipt(ctx, existing), path.name).note
                return Imported(existing, False, f"“{path.name}”与已导入的批次{existing}内容相同，"
                                "未重复导入。该批次目前的情况如下：\n" + note)
            batch_id = submit_batch(ctx, intake, start)
        return note_for(queries.batch_receipt(ctx, batch_id), path.name)

    return run


AUTOMATIC_STATES = {str(s) for s in AUTOMATIC}


def note_for(receipt: dict, name: str) -> Imported:  # type: ignore[type-arg]
    """The note left beside a processed or rejected batch."""
    batch_id, problems = receipt["batch"], receipt["problems"]
    lines = []
    if receipt["status"] == "rejected":
        lines.append(f"“{name}”整个批次未能受理（批次{batch_id}），原因：")
    else:
        lines.append(f"“{name}”已导入为批次{batch_id}：新建申报{len(receipt['created'])}份，"
                     f"已存在{len(receipt['existing'])}份，重新提交{len(receipt['resubmitted'])}份。")
        if problems:
            lines.append("批次问题：")
    lines += [f"  [{p['code']}] {p['message']}" + (f"（{p['path']}）" if p["path"] else "")
              for p in problems]
    lines += receipts.applicant_lines(receipt)
    if any(a["state"] in AUTOMATIC_STATES for a in receipt.get("applicants", [])):
        lines.append("“正在自动检查”的申报，检查结果请向评审中心查询或在网上查看批次回执。")
    return Imported(batch_id, receipt["status"] == "rejected", "\n".join(lines))
