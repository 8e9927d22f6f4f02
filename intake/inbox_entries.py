"""What the inbox watcher may take, judged without following anything: `lstat` only.

An entry is a regular file or a directory of regular files and directories; a symlink (at the
top or inside a batch folder), a FIFO, a socket or a device is refused with a note, and is
never opened (opening a FIFO would block the watcher). A settled entry is imported from a
private copy (the snapshot), so what is imported is exactly what was judged; its signature
(size, mtime and inode of every file) is compared again before the original is moved.

A copy, not a hard link: a batch rewritten in place (`cp` over an existing file keeps its
inode) would change under a hard link while it is read.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from pathlib import Path

from pipeline.errors import Refused

IN_FLIGHT = (".part", ".tmp", ".crdownload", ".download", ".filepart", ".partial", ".!sync")
Signature = tuple[object, ...]


class UnacceptableEntry(Refused):
    """An inbox entry that is not a regular file or a folder of them; the message says which."""


def _kind(mode: int) -> str | None:
    if stat.S_ISLNK(mode):
        return "符号链接（快捷方式）"
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "特殊文件"


def _refuse(shown: str, what: str) -> UnacceptableEntry:
    return UnacceptableEntry(f"“{shown}”是{what}，不是普通文件或文件夹：收件箱只接受批次文件夹或 zip "
                             "压缩包本身（不接受链接、管道等特殊文件），未导入。请把实际文件放入后重新提交。")


def check_top(path: Path) -> os.stat_result:
    """The entry's own lstat; UnacceptableEntry unless it is a regular file or a directory."""
    st = os.lstat(path)
    what = _kind(st.st_mode)
    if what is not None:
        raise _refuse(path.name, what)
    return st


def signature(path: Path) -> Signature | None:
    """What changes while a batch is still arriving (size, mtime, inode of every file); None while
    a file named like a copy in progress is in it. Raises UnacceptableEntry for a link or a
    special file anywhere in it."""
    st = check_top(path)
    if stat.S_ISREG(st.st_mode):
        return ("file", st.st_size, st.st_mtime_ns, st.st_ino)
    parts: list[object] = ["dir"]
    todo = [path]
    while todo:
        folder = todo.pop()
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel = str(Path(entry.path).relative_to(path))
            est = entry.stat(follow_symlinks=False)
            what = _kind(est.st_mode)
            if what is not None:
                raise _refuse(f"{path.name}/{rel}", what)
            if stat.S_ISDIR(est.st_mode):
                parts.append((rel, "d"))
                todo.append(Path(entry.path))
            else:
                if entry.name.lower().endswith(IN_FLIGHT):
                    return None
                parts.append((rel, est.st_size, est.st_mtime_ns, est.st_ino))
    return tuple(parts)


def _copy_file(src: Path, dst: Path) -> None:
    # O_NOFOLLOW | O_NONBLOCK: an entry swapped for a link or a FIFO since it was judged is
    # neither followed nor waited on; fstat then checks what was really opened.
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(fd, "rb") as source:
        st = os.fstat(source.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(src.name, _kind(st.st_mode) or "特殊文件")
        with open(dst, "xb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)


def snapshot(path: Path, into: Path) -> Path:
    """A private copy of the entry at `into/<uuid>/<name>`; remove it with `discard`."""
    target = into / uuid.uuid4().hex / path.name
    target.parent.mkdir(parents=True)
    try:
        if stat.S_ISREG(check_top(path).st_mode):
            _copy_file(path, target)
            return target
        for root, dirs, files in os.walk(path):  # os.walk does not follow links by default
            rel = Path(root).relative_to(path)
            (target / rel).mkdir(exist_ok=True)
            for name in files:
                _copy_file(Path(root) / name, target / rel / name)
            for name in dirs:
                if os.path.islink(Path(root) / name):
                    raise _refuse(f"{path.name}/{rel / name}", "符号链接（快捷方式）")
    except BaseException:
        discard(target)
        raise
    return target


def discard(snap: Path) -> None:
    """Remove a snapshot (its private folder with it)."""
    shutil.rmtree(snap.parent, ignore_errors=True)


def move_entry(src: Path, dst: Path) -> None:
    """Move an inbox entry; a link or special file only by rename (never opened, never copied)."""
    if _kind(os.lstat(src).st_mode) is not None:
        os.rename(src, dst)
    else:
        shutil.move(str(src), str(dst))
