"""Batch-level problems: what went wrong with a batch as a whole or with a path in it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem on a batch receipt: a stable code, a Chinese message, the path it concerns."""

    code: str
    message: str
    path: str | None = None


# Problems of one code listed one by one on a receipt before the rest are only counted.
MAX_LISTED = 20


def collapse(problems: list[Problem], keep: int = MAX_LISTED) -> list[Problem]:
    """The first `keep` problems of each code, then one problem counting the others of that code."""
    seen: dict[str, int] = {}
    out: list[Problem] = []
    for p in problems:
        n = seen[p.code] = seen.get(p.code, 0) + 1
        if n <= keep:
            out.append(p)
    for code, n in seen.items():
        if n > keep:
            out.append(Problem(code, f"另有 {n - keep} 处同类问题（与上面列出的问题相同），"
                                     "未逐一列出；请按上面的说明一并核对修改"))
    return out
