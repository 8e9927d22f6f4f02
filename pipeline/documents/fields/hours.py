"""The 继续教育学时认定单's year and hours: each from its own table cell (公需科目, 专业科目, 合计),
in the summary above the course list (学时明细), never from the list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import cn_year

_CE_YEAR_LABELED = re.compile(r"认定年度[ ]*[:：|]?[ ]*(?:\n[ ]*){0,3}(?P<y>(?:19|20)[0-9]{2})(?![0-9])")
_CE_YEAR = re.compile(r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})[ ]*年度")
_CN_CE_YEAR = re.compile(r"(?P<y>[〇零○Oo0一二三四五六七八九]{4})[ ]*年度")
_HOURS_LABELS = {
    "public": r"公需科目学时|公?需科目|公需课程?|公需学时|公需",
    "professional": r"专业科目学时|专业科目|专业课程?|专业学时",
    "total": r"学时合计|合计学时|合计|总计|共计|总学时|累计学时",
}
# The cell's value: a number, then 学时 / 小时 or the end of the cell (a column gap, a rule, a line
# end). A number cut short by OCR (71 read as "7 " before a lost 1) shows as a value without its
# unit while the others have theirs, which makes the cell unsure.
_HOURS_VALUE = (r"[ ]*[:：|]?[ ]*[|]?[ ]*(?:\n[ ]*){0,3}"
                r"(?P<n>[0-9]{1,3}(?:\.[0-9]{1,2})?)(?P<one>[\]|])?(?![0-9])(?P<unit>[ ]?(?:学时|小时|课时))?")
_HOURS_PATTERNS = {key: re.compile(f"(?:{labels}){_HOURS_VALUE}") for key, labels in _HOURS_LABELS.items()}
_DETAIL_HEADING = re.compile(r"学时明细|课程明细|序号")
# A table whose headings stand in a row (公需科目 | 专业科目 | 合计) and whose hours stand in the row
# under them, in the same order: the cells are matched by their column. Headings may touch (the
# spaces OCR puts between Chinese characters are removed); numbers may not.
_GAP = r"[ |\n]+"
_HEADING_GAP = r"[ |\n]*"
_HEADED_ROW = re.compile(
    rf"(?P<h1>{_HOURS_LABELS['public']}){_HEADING_GAP}(?P<h2>{_HOURS_LABELS['professional']}){_HEADING_GAP}"
    rf"(?P<h3>{_HOURS_LABELS['total']}){_GAP}"
    rf"(?P<n1>[0-9]{{1,3}}(?:\.[0-9]{{1,2}})?)(?P<u1>[ ]?学时)?{_GAP}"
    rf"(?P<n2>[0-9]{{1,3}}(?:\.[0-9]{{1,2}})?)(?P<u2>[ ]?学时)?{_GAP}"
    rf"(?P<n3>[0-9]{{1,3}}(?:\.[0-9]{{1,2}})?)(?P<u3>[ ]?学时)?(?![0-9])")


@dataclass(frozen=True)
class Hours:
    """One cell's hours, where it is, and whether its unit (学时) was read after the number."""

    value: float
    start: int
    with_unit: bool
    misread: bool = False   # tesseract's `]` for a final 1 (7] is 71)


def ce_year(t: str) -> tuple[int, int, bool] | None:
    """The year the 认定单 credits (认定年度 2025 / 2025年度 / 二〇二五年度), where, and whether a
    label named it."""
    for pattern, labeled in ((_CE_YEAR_LABELED, True), (_CE_YEAR, False)):
        m = pattern.search(t)
        if m:
            return int(m.group("y")), m.start("y"), labeled or "认定年度" in t[max(0, m.start() - 12):m.start()]
    for m in _CN_CE_YEAR.finditer(t):
        parsed = cn_year(m.group("y"))
        if parsed is not None and parsed[1]:
            return parsed[0], m.start("y"), False
    return None


def ce_hours(t: str) -> dict[str, Hours | None]:
    """The hours of each cell of the summary: `public`, `professional`, `total`."""
    detail = _DETAIL_HEADING.search(t)
    summary = t[:detail.start()] if detail else t
    row = _HEADED_ROW.search(summary)
    if row:
        return {key: Hours(float(row.group(f"n{i}")), row.start(f"n{i}"), bool(row.group(f"u{i}")))
                for i, key in enumerate(("public", "professional", "total"), 1)}
    hours: dict[str, Hours | None] = {}
    for key, pattern in _HOURS_PATTERNS.items():
        m = pattern.search(summary)
        if m is None:
            hours[key] = None
            continue
        number = m.group("n") + ("1" if m.group("one") and "." not in m.group("n") else "")
        hours[key] = Hours(float(number), m.start("n"), bool(m.group("unit")), bool(m.group("one")))
    return hours
