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

import codecs
import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO, Callable

import openpyxl

from pipeline.domain.problems import Problem
from pipeline.domain.text import excel_number_text, strip_unsafe
from pipeline.roster.columns import (BY_FIELD, COLUMNS, field_for_header, is_ignored_header,
                                     nearest_header)

# A workbook is itself a zip: one that inflates past this is refused before openpyxl parses it.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# Applicants per batch (documented in docs/单位导入指南.md): past it the batch is refused whole.
MAX_ROSTER_ROWS = 2000
# Rows named in a row-by-row problem before the rest are only counted.
MAX_LISTED = 20
# Consecutive rows without an applicant after which reading stops (a formula or a format dragged
# to row 1,048,576 must not cost a million rows of parsing); said on the receipt when it happens.
MAX_GAP_ROWS = 5000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or a password-protected workbook
_SAVE_AS = "请在Excel中打开后“另存为”Excel工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”（.csv），再重新提交。"
_KEYS = ("name", "id_number")   # an applicant row has at least one of these

Grid = list[tuple[int, list[object]]]
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


def read_grid(data: bytes, filename: str, *, label: str = "文件",
              area: str = "file") -> tuple[Grid | None, list[Problem]]:
    """A CSV/XLSX file's rows as (line, cells), empty rows included; None and problems if unreadable.

    `label` names the file in messages (e.g. 花名册) and `area` prefixes the problem codes
    (`<area>.unreadable`, `<area>.unsupported_format`). Empty content gives an empty grid.
    """
    problems: list[Problem] = []
    rows = iter_grid(data, filename, problems, label=label, area=area)
    if rows is None:
        return None, problems
    grid = list(rows)
    return (None if any(p.code == f"{area}.unreadable" for p in problems) else grid), problems


def iter_grid(data: bytes, filename: str, problems: list[Problem], *, label: str = "文件",
              area: str = "file") -> Iterator[tuple[int, list[object]]] | None:
    """The file's rows streamed as (line, cells); None when it cannot be read at all.

    Problems found before or while streaming are appended to `problems`.
    """
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    title = f"{label}“{name}”"

    def problem(code: str, message: str) -> None:
        problems.append(Problem(f"{area}.{code}", message, filename))

    if suffix == ".xls":
        problem("unsupported_format", f"{title}是旧版Excel格式（.xls），系统无法读取。{_SAVE_AS}")
        return None
    if suffix not in (".csv", ".xlsx"):
        problem("unsupported_format", f"{title}的格式不受支持，只接受 .xlsx 或 .csv 文件。{_SAVE_AS}")
        return None
    if not data.strip():
        return iter(())
    return _csv_rows(data, title, problem) if suffix == ".csv" else _xlsx_rows(data, title, problem)


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


def _csv_rows(data: bytes, title: str, problem: Report) -> Iterator[tuple[int, list[object]]] | None:
    if data.startswith(_ZIP_MAGIC):
        problem("unreadable",
                f"{title}的扩展名是.csv，但内容是Excel工作簿。请把扩展名改为.xlsx，或{_SAVE_AS}")
        return None
    if data.startswith(_OLE_MAGIC):
        problem("unreadable",
                f"{title}的扩展名是.csv，但内容是旧版Excel文件（.xls）。{_SAVE_AS}")
        return None
    text = _decode(data)
    if text is None or _looks_binary(text):
        why = "不是文本表格（内容是二进制数据，可能已损坏）" if text is not None or _looks_binary(data) \
            else "的文字编码无法识别（既不是UTF-8也不是GBK/GB18030）"
        problem("unreadable", f"{title}{why}。{_SAVE_AS}")
        return None

    first_line = text[:65536].split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        others = [d for d in ("\t", ";") if d in first_line]
        if len(others) == 1:
            delimiter = others[0]
    return _csv_records(text, delimiter, title, problem)


def _csv_records(text: str, delimiter: str, title: str, problem: Report
                 ) -> Iterator[tuple[int, list[object]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for line, row in enumerate(reader, start=1):
            yield line, [cell.strip() for cell in row]
    except csv.Error:
        problem("unreadable",
                f"{title}第{line + 1}行的格式有误（引号不成对等），无法读取。{_SAVE_AS}")


def _decode(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _looks_binary(content: str | bytes) -> bool:
    sample = content[:65536]
    codes = sample if isinstance(sample, bytes) else [ord(ch) for ch in sample]
    controls = sum(1 for c in codes if c < 32 and c not in (9, 10, 11, 12, 13))
    return 0 in codes or controls > max(2, len(sample) // 100)


def _xlsx_rows(data: bytes, title: str, problem: Report) -> Iterator[tuple[int, list[object]]] | None:
    def unreadable(why: str) -> None:
        problem("unreadable", f"{title}无法读取：{why}。{_SAVE_AS}")

    if data.startswith(_OLE_MAGIC):
        unreadable("它设置了打开密码，或实际是旧版.xls文件（请先取消密码）")
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        unreadable("它不是有效的.xlsx工作簿（文件可能已损坏，或只是改了扩展名）")
        return None
    if inflated > MAX_XLSX_UNCOMPRESSED:
        unreadable("工作簿解压后体积异常（超过200 MB），疑似异常文件")
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        unreadable("工作簿已损坏或不是Excel生成的.xlsx文件")
        return None
    if not workbook.worksheets:
        workbook.close()
        unreadable("工作簿中没有工作表")
        return None
    return _xlsx_records(workbook, unreadable)


def _xlsx_records(workbook: openpyxl.Workbook, unreadable: Callable[[str], None]
                  ) -> Iterator[tuple[int, list[object]]]:
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimension may be wrong; read every row there is
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_clean(v) for v in row]
    except Exception:  # a damaged sheet fails while streaming, with any kind of error
        unreadable("第一个工作表的内容已损坏")
    finally:
        workbook.close()


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


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
