"""Faults of our own storage, told apart from bad bytes by the error's errno, never by guessing.

A file whose bytes are bad (a truncated image, a broken zip member, a PDF without its end) is a
finding against the applicant. A disk that is full, a store that is not mounted or not readable,
an I/O error or a rename across filesystems is ours: `StoreFault`, a technical failure that the
runner retries and that ends as `failed` with the Chinese reason, never as `returned`.
"""

from __future__ import annotations

import errno
from pathlib import Path

from pipeline.errors import TransientFault

# The errors of the operating system that say "the storage", not "the file's content".
_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EXDEV: "不能跨文件系统移动文件",
    errno.ENOENT: "文件或目录不存在（存储可能未挂载或已被移走）",
    errno.ENOTDIR: "存储目录不存在（存储可能未挂载）",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "操作不被允许",
    errno.EIO: "磁盘读写错误",
    errno.EROFS: "存储为只读",
    errno.ESTALE: "网络存储的文件句柄已失效",
    errno.ENOTCONN: "网络存储连接中断",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "打开的文件过多",
    errno.ENOMEM: "内存不足",
}


class StoreFault(TransientFault):
    """Our storage could not be read or written: a technical failure, not the applicant's."""

    def __init__(self, action: str, path: Path | str | None, error: OSError) -> None:
        self.action, self.path, self.error = action, path, error
        self.errno = error.errno
        reason = _REASONS.get(error.errno or 0) or (error.strerror or type(error).__name__)
        where = f"（{path}）" if path else ""
        code = errno.errorcode.get(error.errno or 0, "")
        super().__init__(f"文件存储{action}失败：{reason}{where}"
                         + (f" [{code}]" if code else "") + "；这是系统故障，不是申报材料的问题")


def is_store_fault(error: BaseException) -> bool:
    """True for an operating-system error of the storage (its errno is one listed above).

    Decoders report damaged content with errno-less errors (Pillow's "image file is truncated"
    is an OSError without errno; a zip member's bad CRC is `EntryCorrupt`, also without one),
    or with EINVAL (a seek to a negative offset read from a damaged header): bad bytes, not ours.
    """
    return isinstance(error, OSError) and error.errno in _REASONS


def store_fault(action: str, path: Path | str | None, error: BaseException) -> BaseException:
    """`error` as a StoreFault when it is one, else unchanged (for `raise ... from`)."""
    if isinstance(error, OSError) and is_store_fault(error):
        return StoreFault(action, path, error)
    return error
