"""Spreadsheets for the lists: every value written as a value, never as a formula.

A cell whose text begins with `=`, `+`, `-` or `@` would run as a formula when the file is opened in
Excel or WPS (CSV/formula injection). Such text is stored as a string cell with the quote prefix
set, which is what Excel does when a person types an apostrophe first: it shows the text as typed.

Control characters (openpyxl refuses them with IllegalCharacterError, and the whole workbook was
lost) and bidi overrides are written as visible stand-ins (pipeline.domain.controls): data stored
before intake refused them still makes a readable list.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.domain.controls import visible_controls

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def set_text(cell: Any, value: object) -> None:
    """Write a value; text that could be taken for a formula stays text, controls become visible."""
    if isinstance(value, str):
        value = visible_controls(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.value = value
        cell.data_type = TYPE_STRING
        cell.quotePrefix = True
        return
    cell.value = value


def write_table(target: Path, sheet: str, title: str, lines: Sequence[str],
                headers: Sequence[str], rows: Iterable[Sequence[object]],
                widths: Sequence[int]) -> Path:
    """A one-sheet workbook: a title, some lines of context, a header row and the rows."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = visible_controls(sheet)
    set_text(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    r = 2
    for line in lines:
        set_text(ws.cell(row=r, column=1), line)
        r += 1
    header_row = r
    fill = PatternFill("solid", fgColor="ECEFF3")
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=c)
        set_text(cell, h)
        cell.font = Font(bold=True)
        cell.fill = fill
    for values in rows:
        r += 1
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    wb.save(tmp)
    os.replace(tmp, target)
    return target
