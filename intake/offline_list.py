"""The center window's list of offline formal-review results (线下审查结果清单), read from CSV/XLSX.

One reader for `zhicheng review offline --file` and the console's upload: a file that cannot be
read, or lacks a column, is refused whole with a Chinese message; the rows are then applied one by
one by `pipeline.services.offline_review.record_offline_list`, which reports each bad row.
"""

from __future__ import annotations

from intake.grid import read_grid
from pipeline.errors import Refused
from pipeline.services.offline_review import COLUMNS

MAX_BYTES = 5 * 1024 * 1024   # a list of a year's results is a few hundred KB
REQUIRED = (("身份证号", "id_number"), ("姓名", "name"), ("结果", "result"))


class OfflineListError(Refused):
    """The list as a whole cannot be used; nothing was recorded."""


def read_offline_list(data: bytes, filename: str) -> list[tuple[int, dict[str, object]]]:
    """The list's rows as (line, {id_number, name, result, app_id}); OfflineListError if unusable."""
    if len(data) > MAX_BYTES:
        raise OfflineListError(f"线下审查结果清单“{filename}”超过{MAX_BYTES // (1024 * 1024)} MB，"
                               "未登记；请只保留身份证号、姓名、结果三列")
    grid, problems = read_grid(data, filename, label="线下审查结果清单", area="offline")
    if not grid:
        raise OfflineListError("；".join(p.message for p in problems) or f"文件“{filename}”是空的")
    header = ["".join(str(h or "").split()).replace("\ufeff", "") for h in grid[0][1]]
    fields = [COLUMNS.get(h) for h in header]
    missing = [label for label, key in REQUIRED if key not in fields]
    if missing:
        raise OfflineListError(f"线下审查结果清单缺少列：{'、'.join(missing)}；"
                               "第1行应为表头：身份证号、姓名、结果")
    return [(line, {f: cells[i] for i, f in enumerate(fields) if f and i < len(cells)})
            for line, cells in grid[1:] if any(str(c or "").strip() for c in cells)]
