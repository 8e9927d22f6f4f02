"""Reading the roster (花名册) from real CSV and XLSX files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from intake.roster import Roster, read_grid, read_roster
from pipeline.roster.columns import COLUMNS

ID1 = "430102199001011238"
ID2 = "43010219850315002X"
HEADERS = [c.header for c in COLUMNS if c.required]
ALIASES = [c.field for c in COLUMNS if c.required]


def _row(id_number: str, name: str) -> list[str]:
    sample = {
        "name": name, "id_number": id_number, "phone": "13800138000",
        "unit_code": "91430100MA4L0XXX0X", "year": "2026", "series": "工程", "specialty": "土木工程",
        "level": "中级", "title_name": "工程师", "education": "大学本科",
        "graduation_date": "2012-07-01", "work_start_date": "2012/7/15", "ce_hours": "96",
    }
    return [sample[c.field] for c in COLUMNS if c.required]


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    return "\r\n".join(sep.join(r) for r in rows) + "\r\n"


def _read(path: Path) -> Roster:
    with path.open("rb") as fh:
        return read_roster(fh, path.name)


def _codes(roster: Roster) -> list[str]:
    return [p.code for p in roster.problems]


def test_utf8_csv_rows_are_keyed_by_canonical_field_with_excel_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS, _row(ID1, "张三"), _row(ID2, "李四")]), encoding="utf-8")
    roster = _read(path)
    assert roster.problems == []
    assert roster.headers == HEADERS
    assert [r.line for r in roster.rows] == [2, 3]
    assert roster.rows[0].values["name"] == "张三"
    assert roster.rows[1].values["id_number"] == ID2
    assert roster.rows[0].values["ce_hours"] == "96"
    assert roster.rows[0].extra == {}


def test_utf8_bom_csv_header_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS, _row(ID1, "张三")]), encoding="utf-8-sig")
    roster = _read(path)
    assert roster.problems == []
    assert roster.headers[0] == HEADERS[0]
    assert roster.rows[0].values["name"] == "张三"


def test_gb18030_csv_written_by_chinese_excel_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "花名册.CSV"
    path.write_text(_csv([HEADERS, _row(ID1, "张三"), _row(ID2, "欧阳娜娜")]), encoding="gb18030")
    roster = _read(path)
    assert roster.problems == []
    assert [r.values["name"] for r in roster.rows] == ["张三", "欧阳娜娜"]
    assert roster.rows[0].values["series"] == "工程"


def test_english_alias_headers_are_accepted_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    order = list(reversed(range(len(ALIASES))))
    rows = [[ALIASES[i].upper() for i in order], [_row(ID1, "张三")[i] for i in order]]
    path.write_text(_csv(rows), encoding="utf-8")
    roster = _read(path)
    assert roster.problems == []
    assert roster.rows[0].values["name"] == "张三"
    assert roster.rows[0].values["id_number"] == ID1


def test_unknown_columns_and_unheaded_cells_are_kept_in_extra_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    header = HEADERS + ["备注", ""]
    row = _row(ID1, "张三") + ["  加急  ", "x", "多出来的"]
    path.write_text(_csv([header, row]), encoding="utf-8")
    roster = _read(path)
    width = len(HEADERS)
    assert _codes(roster) == ["roster.unknown_column"] * 3
    assert "未识别的列“备注”" in roster.problems[0].message
    assert f"第{width + 2}列没有表头" in roster.problems[1].message
    assert f"第{width + 3}列没有表头" in roster.problems[2].message
    assert roster.rows[0].extra == {"备注": "加急", f"列{width + 2}": "x", f"列{width + 3}": "多出来的"}
    assert "备注" not in roster.rows[0].values


def test_missing_required_columns_are_named_in_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    keep = [i for i, h in enumerate(HEADERS) if h not in ("身份证号", "手机号码")]
    path.write_text(_csv([[HEADERS[i] for i in keep], [_row(ID1, "张三")[i] for i in keep]]), encoding="utf-8")
    roster = _read(path)
    assert _codes(roster) == ["roster.missing_columns"]
    problem = roster.problems[0]
    assert "身份证号" in problem.message and "手机号码" in problem.message
    assert problem.path == "roster.csv"
    assert len(roster.rows) == 1  # rows still come back; the row checks report them


def test_two_headers_for_one_field_report_a_duplicate_and_use_the_first(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS + ["name"], _row(ID1, "张三") + ["别人"]]), encoding="utf-8")
    roster = _read(path)
    assert _codes(roster) == ["roster.duplicate_column"]
    assert "姓名" in roster.problems[0].message
    assert roster.rows[0].values["name"] == "张三"


def test_empty_rows_are_skipped_without_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    blank = [""] * len(HEADERS)
    path.write_text(_csv([HEADERS, blank, _row(ID1, "张三"), [" "] * 3, _row(ID2, "李四")]), encoding="utf-8")
    roster = _read(path)
    assert roster.problems == []
    assert [r.line for r in roster.rows] == [3, 5]


def test_short_row_gets_empty_values_for_missing_cells(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS, ["张三", ID1]]), encoding="utf-8")
    roster = _read(path)
    assert roster.rows[0].values["name"] == "张三"
    assert roster.rows[0].values["ce_hours"] == ""


def test_tab_separated_csv_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS, _row(ID1, "张三")], sep="\t"), encoding="utf-8")
    roster = _read(path)
    assert roster.problems == []
    assert roster.rows[0].values["id_number"] == ID1


def test_header_only_csv_is_reported_empty(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(_csv([HEADERS, [""] * len(HEADERS)]), encoding="utf-8")
    roster = _read(path)
    assert _codes(roster) == ["roster.empty"]
    assert roster.rows == []


def test_zero_byte_file_is_reported_empty(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"")
    assert _codes(_read(path)) == ["roster.empty"]


def test_binary_file_named_csv_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    roster = _read(path)
    assert _codes(roster) == ["roster.unreadable"]
    assert roster.problems[0].path == "roster.csv"


def test_workbook_renamed_to_csv_says_to_rename_it(tmp_path: Path) -> None:
    book = tmp_path / "real.xlsx"
    _workbook(book, [HEADERS, _row(ID1, "张三")])
    path = tmp_path / "roster.csv"
    path.write_bytes(book.read_bytes())
    roster = _read(path)
    assert _codes(roster) == ["roster.unreadable"]
    assert ".xlsx" in roster.problems[0].message


def test_old_xls_roster_asks_to_save_as_xlsx_or_csv(tmp_path: Path) -> None:
    path = tmp_path / "花名册.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    roster = _read(path)
    assert _codes(roster) == ["roster.unsupported_format"]
    assert ".xlsx" in roster.problems[0].message and ".csv" in roster.problems[0].message


def _workbook(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("说明")
    other.append(["这一页不读"])
    book.save(path)


def test_xlsx_keeps_real_date_cells_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    row: list[object] = _row(ID1, "  张三 ")
    fields = [c.field for c in COLUMNS if c.required]
    row[fields.index("graduation_date")] = dt.datetime(2012, 7, 1)
    row[fields.index("work_start_date")] = 41105  # an Excel serial number, left raw
    row[fields.index("ce_hours")] = 96.5
    row[fields.index("year")] = 2026
    _workbook(path, [HEADERS + ["备注"], row + [dt.datetime(2020, 1, 2)]])
    roster = _read(path)
    assert _codes(roster) == ["roster.unknown_column"]
    values = roster.rows[0].values
    assert values["name"] == "张三"
    assert values["graduation_date"] == dt.datetime(2012, 7, 1)
    assert values["work_start_date"] == 41105
    assert values["ce_hours"] == 96.5
    assert values["year"] == 2026
    assert roster.rows[0].extra == {"备注": "2020-01-02"}


def test_xlsx_empty_cells_are_none_and_blank_rows_keep_excel_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for col, value in enumerate(_row(ID1, "张三"), start=1):
        sheet.cell(row=4, column=col, value=value)
    sheet.cell(row=4, column=HEADERS.index("最高学历") + 1, value="   ")
    book.save(path)
    roster = _read(path)
    assert roster.problems == []
    assert [r.line for r in roster.rows] == [4]
    assert roster.rows[0].values["education"] is None


def test_corrupt_xlsx_is_unreadable_not_an_exception(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    _workbook(good, [HEADERS, _row(ID1, "张三")])
    path = tmp_path / "roster.xlsx"
    path.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    roster = _read(path)
    assert _codes(roster) == ["roster.unreadable"]
    assert roster.problems[0].path == "roster.xlsx"


def test_text_file_named_xlsx_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_text(_csv([HEADERS, _row(ID1, "张三")]), encoding="utf-8")
    assert _codes(_read(path)) == ["roster.unreadable"]


def test_read_grid_names_the_file_and_codes_by_the_callers_area(tmp_path: Path) -> None:
    grid, problems = read_grid(b"", "units.xlsx")
    assert grid == [] and problems == []
    grid, problems = read_grid(b"\x00\x01\x02binary", "units.csv", label="单位文件", area="unit")
    assert grid is None
    assert [p.code for p in problems] == ["unit.unreadable"]
    assert problems[0].message.startswith("单位文件“units.csv”") and problems[0].path == "units.csv"


def test_read_grid_returns_every_row_with_its_line(tmp_path: Path) -> None:
    grid, problems = read_grid("代码,名称\n\n  A1 ,甲\n".encode("gb18030"), "u.csv")
    assert problems == []
    assert grid == [(1, ["代码", "名称"]), (2, []), (3, ["A1", "甲"])]
