"""Free space in the data directory, checked before a batch is unpacked into the store."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.domain.problems import Problem


def _human(size: float) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} 字节"


def space_problem(data_dir: Path, needed: int, margin: int) -> Problem | None:
    """A batch.no_space problem when the data dir has less than `needed` + `margin` bytes free."""
    target = data_dir / "blobs" if (data_dir / "blobs").exists() else data_dir
    try:
        free = shutil.disk_usage(target).free
    except OSError:
        return None  # cannot tell: the store itself reports a failure when it writes
    if free >= needed + margin:
        return None
    return Problem(
        "batch.no_space",
        f"服务器存储空间不足：本批次的文件共约{_human(needed)}，数据目录只剩{_human(free)}"
        f"（另需保留{_human(margin)}余量），为免导入到一半中断，整个批次未作任何处理。"
        "这不是批次本身的问题：请联系运维人员清理或扩容后重新提交同一批次。")
