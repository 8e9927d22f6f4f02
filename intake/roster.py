"""Reading the roster (花名册): a CSV or XLSX file into raw rows keyed by canonical field.

The reader never raises for bad input; everything wrong with the file comes back as a `Problem`
(path = the file name) on the returned `Roster`. Values are raw: parsing dates, numbers and enums
and validating them is the job of the row checks, not of this module.

Choices:
- Row 1 is the header, always; `RosterRow.line` is the row number a person sees in Excel (header = 1;
  for CSV it counts records, so a quoted cell spanning two lines is still one row).
- Every known column in the header gets a key in `values` for every row: an empty cell is `""` in a
  CSV and `None` in a workbook. Text is stripped of surrounding whitespace.
- Unknown columns are kept in `extra` by their header text. Non-empty cells with no header (an empty
  header cell, or cells past the last header) are kept in `extra` under `列<n>` (n = 1-based column
  number, as `列27`); a second column with the same unknown header is kept under `列<n>` too.
- When two headers map to the same field, the first (leftmost) column is used and the other ignored
  (`roster.duplicate_column`). Rows are still returned when required columns are missing: the row
  checks then report each row, and `roster.missing_columns` tells the operator how to fix the file.
- CSV: UTF-8 (BOM or not) tried strictly, then GB18030 (a superset of GBK); a UTF-16 file with a BOM
  (Excel's "Unicode text") is accepted too. Comma is the delimiter; when the header line has no comma
  but exactly one of tab or semicolon, that one is used. Nothing fancier (no csv.Sniffer guessing).
- `read_grid` is the table layer under it (decoding, CSV/XLSX parsing, file-level problems) and is
  shared with other table files such as the unit registry.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO, Callable

import openpyxl

from pipeline.domain.problems import Problem
from pipeline.roster.columns import COLUMNS, field_for_header

# A workbook is itself a zip: one that inflates past this is refused before openpyxl parses it.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or a password-protected workbook
_SAVE_AS = "请在Excel中打开后“另存为”Excel工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”（.csv），再重新提交。"

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


def read_roster(stream: BinaryIO, filename: str) -> Roster:
    """Read a roster CSV/XLSX (kind chosen by the file name's extension); never raises for bad input."""
    roster = Roster()
    name = PurePosixPath(filename.replace("\\", "/")).name
    try:
        data = stream.read()
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error):
        roster.problems.append(Problem("roster.unreadable", f"花名册“{name}”无法读取（文件可能已损坏或过大）。"
                                       f"{_SAVE_AS}", filename))
        return roster
    grid, roster.problems = read_grid(data, filename, label="花名册", area="roster")
    if grid is not None:
        _build(grid, name, roster, lambda code, msg: roster.problems.append(Problem(code, msg, filename)))
    return roster


def read_grid(data: bytes, filename: str, *, label: str = "文件",
              area: str = "file") -> tuple[Grid | None, list[Problem]]:
    """A CSV/XLSX file's rows as (line, cells), empty rows included; None and problems if unreadable.

    `label` names the file in messages (e.g. 花名册) and `area` prefixes the problem codes
    (`<area>.unreadable`, `<area>.unsupported_format`). Empty content gives an empty grid.
    """
    problems: list[Problem] = []
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    title = f"{label}“{name}”"

    def problem(code: str, message: str) -> None:
        problems.append(Problem(f"{area}.{code}", message, filename))

    if suffix == ".xls":
        problem("unsupported_format", f"{title}是旧版Excel格式（.xls），系统无法读取。{_SAVE_AS}")
        return None, problems
    if suffix not in (".csv", ".xlsx"):
        problem("unsupported_format", f"{title}的格式不受支持，只接受 .xlsx 或 .csv 文件。{_SAVE_AS}")
        return None, problems
    if not data.strip():
        return [], problems
    grid = _csv_grid(data, title, problem) if suffix == ".csv" else _xlsx_grid(data, title, problem)
    return grid, problems


def _build(grid: Grid, name: str, roster: Roster, problem: Report) -> None:
    if not any(not _is_empty(c) for _, cells in grid for c in cells):
        problem("roster.empty", f"花名册“{name}”是空文件。请在第1行填写表头、从第2行起每位申报人填写一行后重新提交。")
        return
    header_cells = grid[0][1]
    roster.headers = [_header_text(h) for h in header_cells]
    width = len(roster.headers)

    field_cols: dict[str, int] = {}
    extra_cols: dict[int, str] = {}
    duplicates: dict[str, list[int]] = {}
    for idx, header in enumerate(roster.headers):
        fld = field_for_header(header) if header else None
        if fld is None:
            key = header if header and header not in extra_cols.values() else f"列{idx + 1}"
            extra_cols[idx] = key
        elif fld in field_cols:
            duplicates.setdefault(fld, [field_cols[fld]]).append(idx)
        else:
            field_cols[fld] = idx

    for fld, cols in duplicates.items():
        header = next(c.header for c in COLUMNS if c.field == fld)
        where = "、".join(f"第{i + 1}列" for i in cols)
        problem("roster.duplicate_column",
                f"花名册“{name}”中“{header}”列出现了{len(cols)}次（{where}），已使用第{cols[0] + 1}列，"
                f"其余被忽略。请删除多余的“{header}”列后重新提交。")

    missing = [c.header for c in COLUMNS if c.required and c.field not in field_cols]
    if missing:
        problem("roster.missing_columns",
                f"花名册“{name}”缺少必填列：{'、'.join(missing)}。请确认第1行是表头，"
                f"并使用标准列名（如“姓名”“身份证号”）补齐这些列后重新提交。")

    empty: object = "" if name.lower().endswith(".csv") else None
    for line, cells in grid[1:]:
        if all(_is_empty(c) for c in cells):
            continue
        values = {fld: cells[idx] if idx < len(cells) else empty for fld, idx in field_cols.items()}
        extra: dict[str, str] = {}
        for idx, cell in enumerate(cells):
            if _is_empty(cell) and not (idx < width and roster.headers[idx]):
                continue
            key = extra_cols.get(idx) if idx < width else f"列{idx + 1}"
            if key is not None:
                extra[key] = _as_text(cell)
        roster.rows.append(RosterRow(line=line, values=values, extra=extra))

    if not roster.rows:
        problem("roster.empty",
                f"花名册“{name}”除表头外没有任何申报人数据。请从第2行起每位申报人填写一行后重新提交。")


def _csv_grid(data: bytes, title: str, problem: Report) -> Grid | None:
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

    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        others = [d for d in ("\t", ";") if d in first_line]
        if len(others) == 1:
            delimiter = others[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: Grid = []
    try:
        for line, row in enumerate(reader, start=1):
            grid.append((line, [cell.strip() for cell in row]))
    except csv.Error:
        problem("unreadable",
                f"{title}第{len(grid) + 1}行的格式有误（引号不成对等），无法读取。{_SAVE_AS}")
        return None
    return grid


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


def _xlsx_grid(data: bytes, title: str, problem: Report) -> Grid | None:
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
    try:
        if not workbook.worksheets:
            unreadable("工作簿中没有工作表")
            return None
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimension may be wrong; read every row there is
        return [(line, [_clean(v) for v in row])
                for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except Exception:  # a damaged sheet fails while streaming, with any kind of error
        unreadable("第一个工作表的内容已损坏")
        return None
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
