"""A one-sheet XLSX workbook whose bytes are the same on every run (for the roster and units file)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Set as AbstractSet
from datetime import date

_EXCEL_EPOCH = date(1899, 12, 30)


def xlsx_bytes(title: str, header: list[str], rows: list[list[object]], *,
               text_columns: AbstractSet[int] = frozenset(), serial_cells: AbstractSet[tuple[int, int]] = frozenset(),
               stamp: tuple[int, int, int] = (2026, 3, 1)) -> bytes:
    """A one-sheet workbook with real date cells, normalised so that the bytes are reproducible."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, date) and (r - 2, c - 1) in serial_cells:
                cell.value = (value - _EXCEL_EPOCH).days  # an Excel serial number, General format
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = value
                if c - 1 in text_columns:
                    cell.number_format = "@"
    for c, h in enumerate(header, start=1):
        width = max([len(str(h)) * 2 + 2] + [len(str(row[c - 1])) + 4 for row in rows[:50]])
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = min(width, 40)
    wb.properties.creator = "单位经办人"
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps "now" into docProps/core.xml and every zip entry: pin both.
    fixed = f"{stamp[0]:04d}-{stamp[1]:02d}-{stamp[2]:02d}T09:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + fixed + m.group(3), text)
                data = text.encode("utf-8")
            dst.writestr(zipfile.ZipInfo(info.filename, stamp + (9, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
