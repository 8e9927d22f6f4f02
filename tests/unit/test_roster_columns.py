"""Roster headers, limits, invisible characters and the one-record parse (pure, no database)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from intake.roster import read_roster
from pipeline.domain.problems import Problem, collapse
from pipeline.domain.text import excel_number_text, looks_like_formula, strip_unsafe, unsafe_chars
from pipeline.roster.columns import COLUMNS, field_for_header, is_ignored_header, nearest_header
from pipeline.roster.fields import parse_fields
from pipeline.roster.record import KEY_FIELDS, TYPED, RosterRecord

TODAY = date(2026, 12, 1)
ID1 = "430102199001011238"


@pytest.mark.parametrize("header, field", [
    ("取得时间", "current_title_date"), ("现职称取得时间", "current_title_date"),
    ("学位", "degree"), ("最高学位", "degree"), ("学历", "education"), ("最高学历", "education"),
    ("公需科目", "ce_public_hours"), ("公需科目学时", "ce_public_hours"),
    ("专业科目", "ce_professional_hours"), ("专业科目学时", "ce_professional_hours"),
    ("身份证号码", "id_number"), ("身份证号", "id_number"), ("联系电话", "phone"),
    ("手机号", "phone"), ("手机号码", "phone"), ("统一社会信用代码", "unit_code"),
    ("单位统一社会信用代码", "unit_code"),
    ("身份证号码（必填）", "id_number"), ("＊姓名", "name"), (" 申报 级别 ", "level"),
    ("参加工作时间(YYYY-MM-DD)", "work_start_date"), ("手机号码：", "phone"),
    ("ＩＤ_ＮＵＭＢＥＲ", "id_number"), ("【必填】申报年度", "year"),
])
def test_everyday_headers_map_to_their_field(header: str, field: str) -> None:
    assert field_for_header(header) == field


def test_every_standard_header_and_synonym_maps_to_its_own_column_only() -> None:
    seen: dict[str, str] = {}
    for c in COLUMNS:
        for h in (c.header, *c.synonyms):
            assert field_for_header(h) == c.field, h
            assert seen.setdefault(h, c.field) == c.field, h


@pytest.mark.parametrize("header, nearest", [
    ("学历层次", "最高学历"), ("学位名称", "最高学位"), ("单位统一代码", "单位统一社会信用代码"),
    ("专业", "申报专业"), ("公需", "公需科目学时"), ("备注", None), ("民族", None),
])
def test_an_unknown_header_gets_its_nearest_standard_name(header: str, nearest: str | None) -> None:
    assert field_for_header(header) is None
    assert nearest_header(header) == nearest


def test_the_row_number_column_is_recognised_as_carrying_nothing() -> None:
    assert is_ignored_header("序号") and not is_ignored_header("备注")


def test_numbers_are_shown_as_excel_shows_them() -> None:
    assert excel_number_text(4.30105198006255e17) == "4.30105198006255E+17"
    assert excel_number_text(430105198006255123) == "4.30105198006255E+17"
    assert excel_number_text(13812345678.0) == "13812345678"


def test_invisible_and_direction_characters_are_found_and_stripped() -> None:
    name = "学历证书\u202egpj.exe"
    assert unsafe_chars(name) == ["U+202E"] and strip_unsafe(name) == "学历证书gpj.exe"
    assert unsafe_chars("张\u200b三\x1b]0;x\x07") == ["U+200B", "U+001B", "U+0007"]
    assert unsafe_chars("第一行\n第二行") == [] and unsafe_chars("a\nb", newlines_ok=False)
    assert looks_like_formula("=1+1") and looks_like_formula(" @SUM(A1)") and not looks_like_formula("张三")


def test_a_numeric_id_cell_is_explained_as_an_excel_number_not_a_check_digit() -> None:
    parsed = parse_fields({"id_number": 4.30105198006255e17}, TODAY)
    message = next(p.message for p in parsed.problems if p.field == "id_number")
    assert "被 Excel 存成了数字" in message and "校验位" not in message


def test_control_characters_in_a_field_are_stripped_with_a_warning_and_formula_names_block() -> None:
    parsed = parse_fields({"name": "张\u202e三", "school": "湖南\u200b大学"}, TODAY)
    assert parsed.values["name"] == "张三" and parsed.values["school"] == "湖南大学"
    assert {p.field for p in parsed.problems if p.rule == "text.control_chars"} == {"name", "school"}
    formula = parse_fields({"name": "=1+1"}, TODAY)
    assert formula.values["name"] is None
    assert any(p.field == "name" and p.rule == "roster.invalid" for p in formula.problems)


def _csv(lines: list[str]) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


HEADER = ",".join(c.header for c in COLUMNS)


def test_reading_stops_past_the_cap_and_says_so_once() -> None:
    roster = read_roster(_csv([HEADER] + ["a"] * 5000), "roster.csv", max_rows=10)
    assert roster.too_many and len(roster.rows) == 10
    assert [p.code for p in roster.problems] == ["roster.too_many_rows"]
    assert "第12行仍有申报人" in roster.problems[0].message


def test_rows_without_name_and_id_are_counted_once_not_taken_as_applicants() -> None:
    year = [c.field for c in COLUMNS].index("year")
    only_year = ",".join("2026" if i == year else "" for i in range(len(COLUMNS)))
    roster = read_roster(_csv([HEADER, f"张三,{ID1}"] + [only_year] * 50), "roster.csv")
    assert len(roster.rows) == 1
    problem = next(p for p in roster.problems if p.code == "roster.not_applicant")
    assert "第3、4、5" in problem.message and "另有 30 行" in problem.message and "共 50 行" in problem.message


def test_a_formula_column_dragged_down_is_not_an_applicant() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号"] + [c.header for c in COLUMNS])
    sheet.append([1, "张三", ID1])
    for row in range(3, 3000):
        sheet.cell(row=row, column=1).value = f'=IF(B{row}="","",ROW()-1)'   # no cached value
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    roster = read_roster(data, "roster.xlsx")
    assert len(roster.rows) == 1 and roster.problems == []


def test_a_numeric_id_cell_in_a_workbook_is_read_as_excel_shows_it() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c.header for c in COLUMNS])
    sheet.append(["张三", 4.30105198006255e17])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    roster = read_roster(data, "roster.xlsx")
    assert roster.rows[0].values["id_number"] == "4.30105198006255E+17"


def test_problems_past_twenty_of_one_code_are_counted() -> None:
    problems = [Problem("a", f"第{i}行") for i in range(25)] + [Problem("b", "x")]
    out = collapse(problems)
    assert [p.code for p in out].count("a") == 21 and out[-1].message.startswith("另有 5 处")
    assert collapse(problems[:3]) == problems[:3]


@pytest.mark.parametrize("raw", [
    {"name": "张三", "id_number": ID1, "unit_code": "91430100MA4L0XXX0X", "year": "2026",
     "title_name": "工程师", "level": "中级", "ce_hours": "96"},
    {"name": "=1+1", "id_number": "4.30105198006255E+17", "unit_code": "bad", "year": "明年",
     "title_name": "", "path": "乱写"},
    {"name": "张\u202e三", "id_number": ID1.lower()[:-1] + "8", "year": 2026.0},
])
def test_the_stored_record_gives_the_checks_what_the_intake_parse_gave(raw: dict[str, object]) -> None:
    parsed = RosterRecord.parse(raw, TODAY)
    columns: dict[str, object] = {n: parsed.values.get(n) for n in TYPED}
    columns["path"] = columns["path"] or "正常"
    columns["name"] = parsed.values.get("name") or str(raw.get("name") or "")
    columns.update(parsed.key())
    stored = RosterRecord.from_stored(columns, {"raw": raw, "problems": parsed.stored_problems()},
                                      date(2030, 1, 1))   # another day: not parsed again
    assert stored.problems == parsed.problems
    for name in ("name", *KEY_FIELDS):
        assert stored.values[name] == parsed.values[name], name
    assert stored.key() == parsed.key()


def test_reading_stops_after_a_long_gap_without_applicants_and_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.roster

    monkeypatch.setattr(intake.roster, "MAX_GAP_ROWS", 100)
    roster = read_roster(_csv([HEADER, f"张三,{ID1}"] + [","] * 150 + ["李四,"]), "roster.csv")
    assert [r.values["name"] for r in roster.rows] == ["张三"]
    assert [p.code for p in roster.problems] == ["roster.trailing_rows"]
    assert "第2行之后连续 100 行没有申报人" in roster.problems[0].message
