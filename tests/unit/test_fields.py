from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.roster.columns import COLUMNS
from pipeline.roster.fields import FieldProblem, parse_fields

TODAY = date(2026, 3, 1)
ID_MALE = make_id_number("43010219900101123")
ID_FEMALE = make_id_number("43010219850615002")
UNIT = make_uscc("91430100MA4L0000X")


def a_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": "张三",
        "id_number": ID_MALE,
        "gender": "男",
        "phone": "13812345678",
        "unit_code": UNIT,
        "unit_name": "长沙市建筑设计院",
        "year": "2026",
        "series": "工程",
        "specialty": "建筑工程",
        "level": "中级",
        "title_name": "工程师",
        "current_title": "助理工程师",
        "current_title_date": "2019-07-01",
        "education": "大学本科",
        "degree": "学士",
        "school": "湖南大学",
        "graduation_date": "2012年7月",
        "work_start_date": "2012/7/15",
        "ce_hours": "90",
        "ce_public_hours": "30",
        "ce_professional_hours": "60",
        "path": "",
        "offline_review": "",
    }
    row.update(changes)
    return row


def problems_of(**changes: object) -> list[FieldProblem]:
    return parse_fields(a_row(**changes), TODAY).problems


def only_problem(**changes: object) -> FieldProblem:
    problems = problems_of(**changes)
    assert len(problems) == 1, problems
    return problems[0]


def value_of(field: str, cell: object) -> object:
    return parse_fields(a_row(**{field: cell}), TODAY).values[field]


# --- a good row -------------------------------------------------------------------------------

def test_a_complete_row_parses_without_problems_into_typed_values():
    parsed = parse_fields(a_row(), TODAY)
    assert parsed.problems == []
    assert parsed.values == {
        "name": "张三", "id_number": ID_MALE, "gender": "男", "phone": "13812345678",
        "unit_code": UNIT, "unit_name": "长沙市建筑设计院", "year": 2026, "series": "工程",
        "specialty": "建筑工程", "level": "中级", "title_name": "工程师",
        "current_title": "助理工程师", "current_title_date": date(2019, 7, 1),
        "education": "大学本科", "degree": "学士", "school": "湖南大学",
        "graduation_date": date(2012, 7, 1), "work_start_date": date(2012, 7, 15),
        "ce_hours": 90.0, "ce_public_hours": 30.0, "ce_professional_hours": 60.0,
        "path": "正常", "offline_review": None,
    }


def test_values_hold_every_roster_field_even_for_an_empty_row():
    parsed = parse_fields({}, TODAY)
    assert set(parsed.values) == {c.field for c in COLUMNS}
    assert parsed.values["path"] == "正常"
    assert all(v is None for f, v in parsed.values.items() if f != "path")


def test_workbook_cells_are_read_as_their_types():
    parsed = parse_fields(a_row(
        phone=13812345678.0, year=2026, ce_hours=90, ce_public_hours=30.0,
        graduation_date=datetime(2012, 7, 1), work_start_date=41105, current_title_date=43647.0,
    ), TODAY)
    assert parsed.problems == []
    assert parsed.values["phone"] == "13812345678"
    assert parsed.values["year"] == 2026
    assert parsed.values["ce_hours"] == 90.0
    assert parsed.values["graduation_date"] == date(2012, 7, 1)
    assert parsed.values["work_start_date"] == date(2012, 7, 15)
    assert parsed.values["current_title_date"] == date(2019, 7, 1)


def test_nan_cells_from_a_workbook_count_as_empty():
    parsed = parse_fields(a_row(school=float("nan")), TODAY)
    assert parsed.problems == [] and parsed.values["school"] is None


# --- text -------------------------------------------------------------------------------------

def test_text_is_stripped():
    assert value_of("specialty", "  建筑工程 ") == "建筑工程"


def test_full_width_spaces_in_a_name_are_removed():
    assert value_of("name", "张\u3000三") == "张三"


def test_runs_of_spaces_in_a_name_collapse_to_one():
    assert value_of("name", "  买买提   艾力 ") == "买买提 艾力"


def test_a_lower_case_x_id_number_is_normalized():
    x_id = make_id_number("11010519491231002")
    assert value_of("id_number", x_id.lower()) == x_id


def test_unit_codes_and_phones_are_normalized():
    assert value_of("unit_code", UNIT.lower()) == UNIT
    assert value_of("phone", "+86 138-1234-5678") == "13812345678"


# --- required fields --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("field", "header"),
    [("name", "姓名"), ("phone", "手机号码"), ("ce_hours", "继续教育学时"), ("year", "申报年度"),
     ("graduation_date", "毕业时间"), ("education", "最高学历")],
)
@pytest.mark.parametrize("empty", [None, "", "  ", "\u3000"])
def test_a_missing_required_field_is_a_roster_problem(field, header, empty):
    problem = only_problem(**{field: empty})
    assert problem.field == field and problem.header == header
    assert problem.message.startswith(f"缺少必填项“{header}”")
    assert problem.rule == "roster.invalid"


def test_an_empty_row_reports_every_required_column():
    problems = parse_fields({}, TODAY).problems
    assert [p.field for p in problems] == [c.field for c in COLUMNS if c.required]


@pytest.mark.parametrize("level", ["中级", "副高级", "正高级"])
def test_the_current_title_is_required_from_intermediate_level_up(level):
    problems = problems_of(level=level, current_title="", current_title_date=None)
    assert [p.field for p in problems] == ["current_title", "current_title_date"]
    assert problems[0].message.startswith("缺少必填项“现职称”")
    assert f"申报级别为“{level}”" in problems[0].message
    assert problems[1].message.startswith("缺少必填项“现职称取得时间”")


def test_the_current_title_is_optional_at_junior_level():
    assert problems_of(level="初级", current_title="", current_title_date="") == []


# --- identity fields --------------------------------------------------------------------------

def test_a_bad_id_number_is_an_id_number_problem():
    problem = only_problem(id_number="430102199001011234")
    assert problem.rule == "id_number.invalid"
    assert problem.header == "身份证号" and problem.raw == "430102199001011234"
    assert "校验位错误，应为8" in problem.message
    assert parse_fields(a_row(id_number="430102199001011234"), TODAY).values["id_number"] is None


def test_a_bad_phone_is_a_phone_problem():
    problem = only_problem(phone="0731-8888888")
    assert problem.rule == "phone.invalid"
    assert problem.message.startswith("手机号码“0731-8888888”不是有效的大陆手机号")


def test_a_bad_unit_code_names_the_roster_header():
    problem = only_problem(unit_code="91350100M000100Y44")
    assert problem.rule == "roster.invalid"
    assert problem.message == ("单位统一社会信用代码“91350100M000100Y44”校验位错误，应为3，"
                               "请核对后重新填写")


def test_a_gender_that_disagrees_with_the_id_number_is_a_mismatch():
    problem = only_problem(gender="女")
    assert problem.field == "gender" and problem.rule == "gender.mismatch"
    assert "身份证号显示为男" in problem.message and "性别“女”" in problem.message


def test_a_woman_declared_female_agrees():
    assert problems_of(id_number=ID_FEMALE, gender="女性") == []


def test_gender_is_not_compared_with_an_invalid_id_number():
    problems = problems_of(id_number="430102199001011234", gender="女")
    assert [p.rule for p in problems] == ["id_number.invalid"]


def test_an_empty_gender_is_fine():
    assert problems_of(gender="") == []


# --- numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("cell", "hours"),
    [("90", 90.0), ("90.5", 90.5), ("90学时", 90.0), ("90 学时", 90.0), ("９０", 90.0), (90, 90.0),
     (90.5, 90.5), ("0", 0.0)],
)
def test_hours_are_read_as_numbers(cell, hours):
    assert value_of("ce_hours", cell) == hours


@pytest.mark.parametrize("cell", ["九十", "90h学时", "abc", "1e3"])
def test_unreadable_hours_are_a_problem(cell):
    problem = only_problem(ce_hours=cell)
    assert problem.message == f"继续教育学时“{cell}”不是有效的学时数，请填写数字，如 90 或 90.5"


def test_negative_hours_are_refused():
    problem = only_problem(ce_public_hours="-5")
    assert problem.field == "ce_public_hours"
    assert problem.message == "公需科目学时“-5”不能为负数，请核对后重新填写"


def test_public_and_professional_hours_may_not_exceed_the_total():
    problem = only_problem(ce_public_hours="40", ce_professional_hours="60.5")
    assert problem.field == "ce_hours"
    assert "公需科目学时（40）" in problem.message and "专业科目学时（60.5）" in problem.message
    assert "超过继续教育学时（90）" in problem.message


def test_hours_that_add_up_to_the_total_are_fine():
    assert problems_of(ce_public_hours="30", ce_professional_hours="60") == []


def test_the_hours_sum_is_not_checked_when_a_part_is_missing():
    assert problems_of(ce_public_hours="", ce_professional_hours="600") == []


@pytest.mark.parametrize(("cell", "year"), [("2026", 2026), (2026, 2026), (2026.0, 2026),
                                            ("2026年", 2026), ("２０２６", 2026), ("2026年度", 2026)])
def test_the_year_is_read_as_an_integer(cell, year):
    assert value_of("year", cell) == year


@pytest.mark.parametrize("cell", ["26", "1999", "2101", "二〇二六", "2026-01"])
def test_an_implausible_year_is_a_problem(cell):
    problem = only_problem(year=cell)
    assert problem.message == f"申报年度“{cell}”不是有效的年份，请填写4位年份，如 2026"


# --- dates ------------------------------------------------------------------------------------

def test_an_unreadable_date_names_the_header_and_the_value():
    problem = only_problem(graduation_date="2012年13月")
    assert problem.header == "毕业时间" and problem.raw == "2012年13月"
    assert problem.message.startswith("毕业时间：日期“2012年13月”不存在")


def test_garbage_in_a_date_column_says_how_to_write_it():
    problem = only_problem(work_start_date="去年")
    assert problem.message == "参加工作时间：无法识别的日期“去年”，请写作 2019-07-01 或 2019年7月"


def test_a_date_after_today_is_refused():
    problem = only_problem(current_title_date="2026-03-02")
    assert problem.message == "现职称取得时间“2026-03-02”晚于今天（2026-03-01），请核对后重新填写"


# --- enumerations -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("field", "cell", "value"),
    [("level", "副高", "副高级"), ("level", "正高", "正高级"), ("level", " 中 级 ", "中级"),
     ("education", "大专", "大学专科"), ("education", "专科", "大学专科"),
     ("education", "本科", "大学本科"), ("education", "硕士", "硕士研究生"),
     ("education", "研究生", "硕士研究生"), ("education", "博士", "博士研究生"),
     ("education", "中专", "中专"),
     ("degree", "无", "无"), ("degree", "硕士学位", "硕士"), ("degree", "", None),
     ("path", "破格", "破格"), ("path", "绿色通道", "绿色通道"), ("path", None, "正常"),
     ("offline_review", "已通过", "通过"), ("offline_review", "不通过", "未通过"),
     ("offline_review", "未通过", "未通过"), ("offline_review", "", None),
     ("gender", "男性", "男")],
)
def test_enumerations_are_normalized_to_their_canonical_values(field, cell, value):
    assert value_of(field, cell) == value


@pytest.mark.parametrize(
    ("field", "cell", "choices"),
    [("level", "高级", "初级、中级、副高级 或 正高级"),
     ("level", "助理级", "初级、中级、副高级 或 正高级"),
     ("education", "高中", "中专、大学专科、大学本科、硕士研究生 或 博士研究生"),
     ("degree", "双学士", "无、学士、硕士 或 博士"),
     ("path", "特批", "正常、破格 或 绿色通道"),
     ("offline_review", "待定", "通过 或 未通过"),
     ("gender", "M", "男 或 女")],
)
def test_an_unknown_enumeration_value_lists_the_choices(field, cell, choices):
    problem = only_problem(**{field: cell})
    assert problem.field == field and problem.raw == cell
    assert problem.message == f"{problem.header}“{cell}”不是可选的值，请填写 {choices}"
    assert parse_fields(a_row(**{field: cell}), TODAY).values[field] is None


# --- robustness -------------------------------------------------------------------------------

def test_field_problem_rule_can_be_given_explicitly():
    assert FieldProblem("gender", "性别", "女", "…", "gender.mismatch").rule == "gender.mismatch"
    assert FieldProblem("phone", "手机号码", "1", "…").rule == "phone.invalid"
    assert FieldProblem("id_number", "身份证号", "1", "…").rule == "id_number.invalid"
    assert FieldProblem("year", "申报年度", "1", "…").rule == "roster.invalid"


def test_unknown_keys_are_ignored():
    assert parse_fields(a_row(备注="无", extra=object()), TODAY).problems == []


_CELLS = st.one_of(
    st.none(), st.text(max_size=25), st.integers(), st.floats(), st.booleans(),
    st.dates(), st.datetimes(), st.sampled_from(["", "2019-07-01", "90", "副高", "13812345678", ID_MALE]),
)


@settings(max_examples=300)
@given(st.fixed_dictionaries({}, optional={c.field: _CELLS for c in COLUMNS}))
def test_parse_fields_never_raises_and_always_returns_every_field(raw):
    parsed = parse_fields(raw, TODAY)
    assert set(parsed.values) == {c.field for c in COLUMNS}
    for problem in parsed.problems:
        assert problem.message and problem.header
        assert problem.rule in {"roster.invalid", "id_number.invalid", "phone.invalid", "gender.mismatch",
                                "text.control_chars"}


@given(st.dictionaries(st.sampled_from([c.field for c in COLUMNS]), st.text(max_size=25)))
def test_a_problem_means_the_field_holds_none(raw):
    parsed = parse_fields(raw, TODAY)
    for problem in parsed.problems:
        # A stripped control character leaves the cleaned value in place (a warning, not a block).
        if problem.rule not in {"gender.mismatch", "text.control_chars"} \
                and problem.field != "ce_hours":
            assert parsed.values[problem.field] in (None, "正常")
