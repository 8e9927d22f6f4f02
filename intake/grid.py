"""The table layer under the roster and the unit registry: a CSV or XLSX file streamed as rows.

Decoding (UTF-8, GB18030, UTF-16 with BOM), the CSV delimiter, openpyxl's read-only reader, and
the file-level problems (`<area>.unreadable`, `<area>.unsupported_format`). Rows come one at a
time, so a huge file costs the rows read, not the rows it holds.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

import openpyxl
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from pipeline.domain.problems import Problem

# openpyxl's read-only sheet looks up its size when opened; a sheet without a <dimension> element
# (openpyxl's own write-only files, some exporters) is then parsed to its end just for that —
# 1,048,576 rows of a dragged formula cost minutes before the first row. The stored size is never
# used here (`reset_dimensions`, every row there is is read), so the look-up is skipped.
if hasattr(ReadOnlyWorksheet, "_get_size"):
    ReadOnlyWorksheet._get_size = lambda self: None

# A workbook is itself a zip: one that inflates past this is refused before openpyxl parses it.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or a password-protected workbook
SAVE_AS = "请在Excel中打开后“另存为”Excel工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”（.csv），再重新提交。"
_SAVE_AS = SAVE_AS

Grid = list[tuple[int, list[object]]]
Report = Callable[[str, str], None]


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


