"""Writing the roster as units fill it in: CSV (UTF-8 with BOM, or GBK) with dates in mixed
styles, or XLSX with date cells and a few bare Excel serial numbers."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .people import ROSTER_HEADERS, SampleApplicant
from .workbook import xlsx_bytes

_DATE_FIELDS = ("current_title_date", "graduation_date", "work_start_date")
# A column units commonly add; the contract keeps unknown columns and ignores them.
_EXTRA_HEADER = "序号"
_DATE_STYLES = ("iso", "iso", "iso", "iso", "slash", "slash", "slash", "dot", "dot", "cn_full",
                "cn_month", "cn_month", "cn_month")


def _date_cell_text(d: date, style: str) -> str:
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "cn_full":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "cn_month":
        return f"{d.year}年{d.month}月"
    return d.isoformat()


def _date_style(seed: int, a: SampleApplicant, name: str) -> str:
    d = getattr(a, name)
    styles = _DATE_STYLES if d is not None and d.day == 1 else tuple(s for s in _DATE_STYLES if s != "cn_month")
    return random.Random(f"{seed}:date:{a.id_number}:{name}").choice(styles)


def write_csv_roster(path: Path, applicants: Sequence[SampleApplicant], seed: int, encoding: str) -> None:
    """Write the roster as CSV in `encoding`, each date in one of the styles units mix."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_EXTRA_HEADER] + [h for _, h in ROSTER_HEADERS])
        for n, a in enumerate(applicants, 1):
            row: list[object] = [n]
            for f, _ in ROSTER_HEADERS:
                value = getattr(a, f)
                if f in _DATE_FIELDS:
                    value = "" if value is None else _date_cell_text(value, _date_style(seed, a, f))
                row.append("" if value is None else value)
            writer.writerow(row)


def write_xlsx_roster(path: Path, applicants: Sequence[SampleApplicant]) -> None:
    """Write the roster as XLSX: ID numbers and phones as text, two dates as bare serials."""
    header = [_EXTRA_HEADER] + [h for _, h in ROSTER_HEADERS]
    fields = [f for f, _ in ROSTER_HEADERS]
    rows = [[n] + [getattr(a, f) if getattr(a, f) is not None else None for f in fields]
            for n, a in enumerate(applicants, 1)]
    # one or two dates as bare Excel serial numbers, as a copy-paste from another sheet leaves them
    serial: set[tuple[int, int]] = set()
    if len(rows) > 1:
        serial.add((1, 1 + fields.index("work_start_date")))
    if len(rows) > 4:
        serial.add((4, 1 + fields.index("graduation_date")))
    text_cols = {1 + fields.index(f) for f in ("id_number", "phone", "unit_code")}
    year = applicants[0].year if applicants else 2026
    path.write_bytes(xlsx_bytes("申报人员名单", header, rows, text_columns=text_cols,
                                serial_cells=serial, stamp=(year, 3, 1)))
