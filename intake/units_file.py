"""Reading a unit registry file (docs/reference.md §1b), CSV or XLSX, with the roster's table reader."""

from __future__ import annotations

from pathlib import Path

from intake.roster import read_grid
from pipeline.domain.problems import Problem
from pipeline.services.unit_records import UNIT_COLUMNS


def _key(text: object) -> str:
    return "".join(str(text or "").split()).lower().replace("\ufeff", "")


_INDEX = {_key(h): f for h, f in UNIT_COLUMNS.items()}


def read_units_file(path: Path) -> tuple[list[tuple[int, dict[str, object]]], list[Problem]]:
    """The file's rows as (line, field → raw value), and what is wrong with the file as a whole."""
    grid, problems = read_grid(path.read_bytes(), path.name, label="单位文件", area="unit")
    if grid is None:
        return [], problems
    if not grid:
        return [], problems + [Problem("unit.file_empty", f"单位文件“{path.name}”是空的", path.name)]
    header = [_INDEX.get(_key(h)) for h in grid[0][1]]
    missing = [h for h, f in (("统一社会信用代码", "code"), ("单位名称", "name")) if f not in header]
    if missing:
        return [], problems + [Problem("unit.missing_columns",
                                       f"单位文件“{path.name}”缺少必填列：{'、'.join(missing)}；"
                                       "请确认第1行是表头", path.name)]
    rows = []
    for line, cells in grid[1:]:
        raw = {f: cells[i] for i, f in enumerate(header) if f and i < len(cells)}
        if any(str(v).strip() for v in raw.values() if v is not None):
            rows.append((line, raw))
    return rows, problems
