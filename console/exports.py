"""The console's spreadsheet: the application list as filtered on screen."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


def _book(title: str, headers: list[str], rows: list[list[Any]], widths: list[int]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"   # ID numbers stay text, never 4.3E+17
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def applications_workbook(rows: list[dict[str, Any]]) -> bytes:
    """The application list as it is filtered on screen."""
    headers = ["申报编号", "姓名", "身份证号", "单位代码", "年度", "申报资格", "状态", "状态变更时间", "阻断问题数"]
    data = [[r["id"], r["name"], r["id_number"], r["unit_code"], r["year"], r["title_name"],
             r["state_label"], f"{r['state_changed_at']:%Y-%m-%d %H:%M}", r["blocking"]]
            for r in rows]
    return _book("申报列表", headers, data, [10, 10, 22, 22, 8, 14, 14, 18, 10])

