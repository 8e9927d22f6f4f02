"""The inbox watcher (`zhicheng intake watch`): import each batch that lands in a folder, once.

Polling, so that network shares work (no inotify there). A batch (a folder or a .zip) is
imported only after it has stopped changing: the same signature (size, mtime and inode of every
file; intake.inbox_entries) at two polls in a row, no file of it named like a copy in progress,
and a zip that opens. Entries are judged with lstat: links, FIFOs, sockets and devices are set
aside with a note, never opened. A settled batch is imported from a private copy taken when it
was judged; only if its signature is still the same after the import has committed is it moved
to `processed/` or `rejected/` with a note saying what became of it. A batch replaced or extended
during its import stays in the inbox and is judged (and imported) again, so nothing it gained is
lost. If the move fails it is retried at the next poll, never imported again. A transient error
(file busy, permission, database away) leaves the batch where it is, to be tried at the next
poll. A batch whose content was imported before (same digest) is not imported again.

One folder per unit: `inbox/<unit code>/` holds that unit's batches (and its own processed/ and
rejected/); such a batch may contain only the applicants of that unit and its subordinate units,
the rule of the HTTP API. Batches at the top of the inbox are the center's and may contain any
unit (docs/inbox.md).
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from intake.inbox_entries import IN_FLIGHT, Signature, UnacceptableEntry, discard, move_entry, signature, snapshot

log = logging.getLogger("zhicheng.watch")

PROCESSED, REJECTED = "processed", "rejected"
SNAPSHOTS = ".snapshots"
NOTE_SUFFIX = ".说明.txt"
TRANSIENT = (OSError, OperationalError, DBAPIError)
GIVE_UP_AFTER = 3        # attempts of an import that fails for a reason that is not transient
UNOPENABLE_POLLS = 5     # stable polls a zip that does not open is waited for before import
UNIT_FOLDER = re.compile(r"^[0-9A-Z]{18}$")  # a unified social credit code: a unit's own inbox
__all__ = ["IN_FLIGHT", "Imported", "InboxWatcher", "Outcome", "signature"]


@dataclass(frozen=True)
class Imported:
    """What importing a batch gave: its batch id, whether it was refused, the note's text."""

    batch_id: int | None
    rejected: bool
    note: str


Importer = Callable[..., Imported]   # (snapshot path) for the center's inbox, (path, unit) for a unit's


@dataclass
class _Seen:
    signature: Signature | None = None
    stable: int = 0                  # consecutive polls with the same signature
    failures: int = 0
    done: Imported | None = None     # imported, but not moved yet


@dataclass
class Outcome:
    name: str                        # as shown: "一批.zip", or "<unit code>/一批.zip"
    moved_to: Path
    imported: Imported


@dataclass(frozen=True)
class _Entry:
    key: str                         # the name shown and remembered between polls
    path: Path
    unit: str | None                 # the unit whose folder it is in; None: the center's inbox


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
    while target.exists() or target.is_symlink() or Path(str(target) + NOTE_SUFFIX).exists():
        stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
        target = folder / (f"{stem}-{n}{dot}{suffix}")
        n += 1
    return target


def _skipped(name: str) -> bool:
    return (name in (PROCESSED, REJECTED) or name.startswith((".", "~$"))
            or name.lower().endswith(IN_FLIGHT))


class InboxWatcher:
    """Polls one inbox folder; `poll()` does one pass, `run()` loops until stopped."""

    def __init__(self, inbox: Path, importer: Importer, *, settle_polls: int = 1) -> None:
        self.inbox = Path(inbox)
        self.importer = importer
        self.settle_polls = settle_polls
        self.seen: dict[str, _Seen] = {}
        self.snapshots = self.inbox / SNAPSHOTS
        shutil.rmtree(self.snapshots, ignore_errors=True)  # left by a watcher that died mid-import
        for sub in (PROCESSED, REJECTED):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)

    def entries(self) -> list[_Entry]:
        """Every batch waiting: at the top (the center's) and in each unit's folder."""
        out = []
        for entry in sorted(self.inbox.iterdir(), key=lambda p: p.name):
            if _skipped(entry.name):
                continue
            if UNIT_FOLDER.match(entry.name) and entry.is_dir() and not entry.is_symlink():
                for sub in (PROCESSED, REJECTED):
                    (entry / sub).mkdir(exist_ok=True)
                out += [_Entry(f"{entry.name}/{p.name}", p, entry.name)
                        for p in sorted(entry.iterdir(), key=lambda p: p.name) if not _skipped(p.name)]
            else:
                out.append(_Entry(entry.name, entry, None))
        return out

    def poll(self) -> list[Outcome]:
        """One pass over the inbox: import what has settled, move what was imported."""
        outcomes: list[Outcome] = []
        present = set()
        for entry in self.entries():
            present.add(entry.key)
            try:
                outcome = self._consider(entry)
            except TRANSIENT as exc:  # busy, permissions, database away: next poll
                log.warning("inbox: %s not handled now, will retry: %s", entry.key, exc)
                continue
            if outcome is not None:
                outcomes.append(outcome)
        for gone in set(self.seen) - present:
            del self.seen[gone]
        return outcomes

    def _consider(self, entry: _Entry) -> Outcome | None:
        path = entry.path
        seen = self.seen.setdefault(entry.key, _Seen())
        if seen.done is not None:
            return self._move(entry, seen.done)
        try:
            sig = signature(path)
        except UnacceptableEntry as exc:
            seen.done = Imported(None, True, str(exc))
            return self._move(entry, seen.done)
        if sig is None or sig != seen.signature:
            seen.signature, seen.stable = sig, 0
            return None
        seen.stable += 1
        if seen.stable < self.settle_polls:
            return None
        if sig[0] == "file" and not path.name.lower().endswith(".zip"):
            seen.done = Imported(None, True, f"“{path.name}”不是批次：收件箱只接受批次文件夹或 zip 压缩包"
                                 "（花名册与各申报人的材料文件夹）。请整理后重新放入。")
            return self._move(entry, seen.done)
        try:
            snap = snapshot(path, self.snapshots)
        except UnacceptableEntry as exc:  # swapped for a link or a FIFO since it was judged
            seen.done = Imported(None, True, str(exc))
            return self._move(entry, seen.done)
        try:
            if signature(path) != sig:  # changed while it was copied: judge it again
                seen.signature, seen.stable = None, 0
                return None
            if not _opens(snap) and seen.stable < UNOPENABLE_POLLS:
                return None  # a zip still being copied (its directory at the end is not there yet)
            done = self._import(entry, snap, seen)
        finally:
            discard(snap)
        if done is None:
            return None
        if signature(path) != sig:
            # Replaced or extended during the import: what was imported stays imported, but the
            # entry is not moved as if it had been; its new content is judged and imported next.
            log.warning("inbox: %s changed during its import (batch %s); importing it again",
                        entry.key, done.batch_id)
            seen.signature, seen.stable, seen.failures = None, 0, 0
            return None
        seen.done = done
        return self._move(entry, done)

    def _import(self, entry: _Entry, snap: Path, seen: _Seen) -> Imported | None:
        try:
            return self.importer(snap) if entry.unit is None else self.importer(snap, entry.unit)
        except TRANSIENT:
            raise
        except Exception as exc:  # noqa: BLE001 - a fault of ours: retry, then set aside with why
            seen.failures += 1
            log.exception("inbox: import of %s failed (attempt %d)", entry.key, seen.failures)
            if seen.failures < GIVE_UP_AFTER:
                return None
            return Imported(None, True, f"导入“{entry.path.name}”时连续{seen.failures}次发生技术故障"
                            f"（{type(exc).__name__}: {str(exc)[:200]}），未导入。"
                            "请联系运维人员处理后，把它重新放入收件箱。")

    def _move(self, entry: _Entry, done: Imported) -> Outcome:
        base = self.inbox / entry.unit if entry.unit else self.inbox
        folder = base / (REJECTED if done.rejected else PROCESSED)
        target = _free_target(folder, entry.path.name)
        move_entry(entry.path, target)
        Path(str(target) + NOTE_SUFFIX).write_text(done.note + "\n", encoding="utf-8")
        self.seen.pop(entry.key, None)
        log.info("inbox: %s → %s", entry.key, target)
        return Outcome(entry.key, target, done)

    def pending(self) -> list[str]:
        """Names in the inbox not handled yet."""
        return [e.key for e in self.entries()]

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
