"""Reading the roster (花名册): a CSV or XLSX file into raw rows keyed by canonical field.

The reader never raises for bad input; everything wrong with the file comes back as a `Problem`
(path = the file name) on the returned `Roster`. Values are raw: parsing dates, numbers and enums
and validating them is the job of the row checks (`pipeline.roster.fields`), not of this module.

Choices:
- Row 1 is the header, always; `RosterRow.line` is the row number a person sees in Excel (header = 1;
  for CSV it counts records, so a quoted cell spanning two lines is still one row).
- Headers are matched with the one table in `pipeline.roster.columns` (standard names, synonyms,
  decorations such as “（必填）” ignored). Every column still not recognised is reported
  (`roster.unknown_column`, naming the nearest standard header) and its cells are kept in `extra`
  by their header text; cells with no header are kept under `列<n>` and reported when not empty.
  序号 is recognised as carrying nothing and kept in `extra` without a word.
- When two headers map to the same field, the first (leftmost) column is used and the other is
  reported (`roster.duplicate_column`). Rows are still returned when required columns are missing:
  the row checks then report each row, and `roster.missing_columns` tells the operator how to fix it.
- An applicant row has a name or an ID number. A row with other cells only (a formula or a value
  dragged down the sheet) is not an applicant: such rows are counted and reported once
  (`roster.not_applicant`). Empty rows are skipped.
- Limits by construction: the file is read as a stream (openpyxl read-only, CSV record by record)
  and reading stops at `MAX_ROSTER_ROWS` + 1 applicant rows (`roster.too_many_rows`, the batch is
  refused). A row-by-row problem is listed for its first `MAX_LISTED` rows, then counted.
- An ID number stored as a number in a workbook becomes the text Excel shows for it
  (4.30105198006255E+17), so that the row checks explain it exactly as for a CSV.
- CSV: UTF-8 (BOM or not) tried strictly, then GB18030 (a superset of GBK); a UTF-16 file with a BOM
  (Excel's "Unicode text") is accepted too. Comma is the delimiter; when the header line has no comma
  but exactly one of tab or semicolon, that one is used. Nothing fancier (no csv.Sniffer guessing).
- `iter_grid`/`read_grid` are the table layer under it (decoding, CSV/XLSX parsing, file-level
  problems), shared with other table files such as the unit registry.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

from intake.grid import MAX_XLSX_UNCOMPRESSED, Grid, iter_grid, read_grid
from intake.grid import SAVE_AS as _SAVE_AS

__all__ = ["MAX_XLSX_UNCOMPRESSED", "Grid", "Roster", "RosterRow", "iter_grid", "read_grid",
           "read_roster"]
from pipeline.domain.problems import Problem
from pipeline.domain.text import excel_number_text, strip_unsafe
from pipeline.roster.columns import BY_FIELD, COLUMNS, field_for_header, is_ignored_header, nearest_header

# Applicants per batch (documented in docs/单位导入指南.md): past it the batch is refused whole.
MAX_ROSTER_ROWS = 2000
# Rows named in a row-by-row problem before the rest are only counted.
MAX_LISTED = 20
# Consecutive rows without an applicant after which reading stops (a formula or a format dragged
# to row 1,048,576 must not cost a million rows of parsing); said on the receipt when it happens.
MAX_GAP_ROWS = 5000

_KEYS = ("name", "id_number")   # an applicant row has at least one of these

Report = Callable[[str, str], None]


@dataclass
class RosterRow:
    """One data row of the roster, with its raw values."""

    line: int  # the row number in the file as a person sees it in Excel (header = 1)
    values: dict[str, object]  # canonical field -> raw cell value, only known columns
    extra: dict[str, str]  # unknown columns by their header, kept


@dataclass
class Roster:
    """What was read from a roster file: its data rows, the problems found, its header cells."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    too_many: bool = False   # more applicant rows than MAX_ROSTER_ROWS: the batch is refused


def read_roster(stream: BinaryIO, filename: str, max_rows: int | None = None) -> Roster:
    """Read a roster CSV/XLSX (kind chosen by the file name's extension); never raises for bad input."""
    roster = Roster()
    max_rows = MAX_ROSTER_ROWS if max_rows is None else max_rows
    name = PurePosixPath(filename.replace("\\", "/")).name
    try:
        data = stream.read()
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error):
        roster.problems.append(Problem("roster.unreadable", f"花名册“{name}”无法读取（文件可能已损坏或过大）。"
                                       f"{_SAVE_AS}", filename))
        return roster
    rows = iter_grid(data, filename, roster.problems, label="花名册", area="roster")
    if rows is not None:
        _build(rows, name, roster, max_rows,
               lambda code, msg: roster.problems.append(Problem(code, msg, filename)))
        close = getattr(rows, "close", None)
        if close is not None:  # reading may stop early: the workbook is closed now, not at GC
            close()
    return roster


@dataclass
class _Columns:
    fields: dict[str, int]       # canonical field -> column index
    extra: dict[int, str]        # column index -> key in `extra`
    width: int


def _columns(headers: list[str], name: str, problem: Report) -> _Columns:
    field_cols: dict[str, int] = {}
    extra_cols: dict[int, str] = {}
    duplicates: dict[str, list[int]] = {}
    unknown: list[str] = []
    for idx, header in enumerate(headers):
        fld = field_for_header(header) if header else None
        if fld is None:
            key = header if header and header not in extra_cols.values() else f"列{idx + 1}"
            extra_cols[idx] = key
            if header and not is_ignored_header(header):
                unknown.append(header)
        elif fld in field_cols:
            duplicates.setdefault(fld, [field_cols[fld]]).append(idx)
        else:
            field_cols[fld] = idx

    for header in unknown:
        shown = strip_unsafe(header, newlines_ok=False)
        near = nearest_header(header)
        hint = f"是否应为“{near}”？" if near else "它不是花名册的标准列名（见《单位导入指南》）；"
        problem("roster.unknown_column",
                f"花名册“{name}”中有未识别的列“{shown}”，{hint}该列内容未导入（仅原样保存，不参与审核）。"
                "如该列是申报信息，请改用标准列名后重新提交。")
    for fld, cols in duplicates.items():
        header = BY_FIELD[fld].header
        named = "、".join(f"第{i + 1}列“{strip_unsafe(headers[i], newlines_ok=False)}”" for i in cols)
        problem("roster.duplicate_column",
                f"花名册“{name}”中有{len(cols)}列都是“{header}”（{named}），已使用第{cols[0] + 1}列，"
                f"其余被忽略。请只保留一列“{header}”后重新提交。")

    missing = [c.header for c in COLUMNS if c.required and c.field not in field_cols]
    if missing:
        problem("roster.missing_columns",
                f"花名册“{name}”缺少必填列：{'、'.join(missing)}。请确认第1行是表头，"
                f"并使用标准列名（如“姓名”“身份证号”）补齐这些列后重新提交。")
    return _Columns(field_cols, extra_cols, len(headers))


def listed(lines: list[int], total: int) -> str:
    """第2、5、9行 — the first MAX_LISTED row numbers, then how many more."""
    shown = "、".join(str(n) for n in lines[:MAX_LISTED])
    more = f"等，另有 {total - MAX_LISTED} 行同类问题" if total > MAX_LISTED else ""
    return f"第{shown}行{more}"


def _build(rows: Iterator[tuple[int, list[object]]], name: str, roster: Roster, max_rows: int,
           problem: Report) -> None:
    header_cells = next(rows, None)
    if header_cells is None:
        problem("roster.empty", f"花名册“{name}”是空文件。请在第1行填写表头、从第2行起每位申报人填写一行后重新提交。")
        return
    if all(_is_empty(c) for c in header_cells[1]):
        if not any(not _is_empty(c) for _, cells in rows for c in cells):
            problem("roster.empty",
                    f"花名册“{name}”是空文件。请在第1行填写表头、从第2行起每位申报人填写一行后重新提交。")
            return
        problem("roster.missing_columns", f"花名册“{name}”第1行（表头）是空的。请在第1行填写标准列名"
                "（如“姓名”“身份证号”）后重新提交。")
        return
    roster.headers = [_header_text(h) for h in header_cells[1]]
    cols = _columns(roster.headers, name, problem)
    empty: object = "" if name.lower().endswith(".csv") else None
    not_applicant: list[int] = []
    n_not_applicant = 0
    unheaded: dict[int, int] = {}   # column index -> first line with content there
    last_applicant = 1
    for line, cells in rows:
        if line - last_applicant > MAX_GAP_ROWS:
            problem("roster.trailing_rows",
                    f"花名册“{name}”第{last_applicant}行之后连续 {MAX_GAP_ROWS} 行没有申报人，"
                    f"第{line}行起未再读取。如其后还有申报人，请删除中间的空行后重新提交；"
                    "如只是拖到表格末尾的公式或格式，可忽略本提示。")
            break
        if all(_is_empty(c) for c in cells):
            continue
        values = {fld: _raw(fld, cells[idx]) if idx < len(cells) else empty
                  for fld, idx in cols.fields.items()}
        if all(_is_empty(values.get(k)) for k in _KEYS):
            n_not_applicant += 1
            if len(not_applicant) < MAX_LISTED:
                not_applicant.append(line)
            continue
        last_applicant = line
        if len(roster.rows) >= max_rows:
            roster.too_many = True
            problem("roster.too_many_rows",
                    f"花名册“{name}”的申报人超过每批上限 {max_rows} 人（第{line}行仍有申报人），"
                    f"整个批次未受理。请拆分为每批不超过 {max_rows} 人的多个批次后分别提交。")
            return
        extra: dict[str, str] = {}
        for idx, cell in enumerate(cells):
            headed = idx < cols.width and roster.headers[idx]
            if _is_empty(cell) and not headed:
                continue
            key = cols.extra.get(idx) if idx < cols.width else f"列{idx + 1}"
            if key is not None:
                extra[key] = _as_text(cell)
                if not headed and not _is_empty(cell):
                    unheaded.setdefault(idx, line)
        roster.rows.append(RosterRow(line=line, values=values, extra=extra))

    for idx, line in sorted(unheaded.items()):
        problem("roster.unknown_column",
                f"花名册“{name}”第{idx + 1}列没有表头，但有内容（如第{line}行），该列内容未导入（仅原样保存，不参与审核）。"
                "如该列是申报信息，请在第1行填写标准列名后重新提交。")
    if n_not_applicant:
        problem("roster.not_applicant",
                f"花名册“{name}”{listed(not_applicant, n_not_applicant)}有内容，但没有姓名和身份证号，"
                "未作为申报人导入（共 {n} 行）。如这些行是申报人，请补填姓名和身份证号后重新提交；"
                "如是下拉填充的公式或默认值，可删除这些行。".replace("{n}", str(n_not_applicant)))
    if not roster.rows:
        problem("roster.empty",
                f"花名册“{name}”除表头外没有任何申报人数据。请从第2行起每位申报人填写一行后重新提交。")


def _raw(fld: str, cell: object) -> object:
    """A raw cell, except that a number in the ID column becomes the text Excel shows for it."""
    if fld == "id_number" and isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return excel_number_text(cell)
    return cell


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").strip()


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
