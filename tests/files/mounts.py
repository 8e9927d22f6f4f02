"""Real small filesystems for the storage-fault tests: a tmpfs mounted where the test says.

Mounting needs root (or CAP_SYS_ADMIN). Where the machine refuses, the test is skipped on a
developer's machine and fails in CI (tests/conftest.py `unavailable`).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import unavailable


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def mount_tmpfs(target: Path, size: str) -> None:
    """Mount a tmpfs of `size` (e.g. "256k") on `target` (created if needed)."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target))
    except (OSError, subprocess.SubprocessError) as exc:
        unavailable("a tmpfs mount", exc)
        return
    if done.returncode != 0:
        unavailable("a tmpfs mount", done.stderr.strip() or done.returncode)


def umount(target: Path) -> None:
    """Unmount (lazily, so an open file in a failed test cannot keep it)."""
    _run("umount", "-l", str(target))


@contextlib.contextmanager
def tmpfs(target: Path, size: str = "64m") -> Iterator[Path]:
    """A tmpfs on `target` for the block."""
    mount_tmpfs(target, size)
    try:
        yield target
    finally:
        umount(target)
