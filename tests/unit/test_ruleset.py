"""The year's rule-set file: the shipped one loads, another one loads from a path, and a broken
one is refused with a Chinese message that names the file and the line at fault."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from pipeline.roster.fields import EDUCATIONS, LEVELS
from pipeline.rules.loader import load_ruleset
from pipeline.rules.ruleset import UNIT_KINDS, RuleSet, RuleSetError, default_ruleset_path, series_key

SHIPPED = default_ruleset_path(2026)
TEXT = SHIPPED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_ruleset(SHIPPED)


def write(tmp_path: Path, text: str, name: str = "rules.toml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped file with the first `old` replaced by `new`."""
    assert old in TEXT, old
    return write(tmp_path, TEXT.replace(old, new, 1))


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of the one line of the file that contains `marker`."""
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if marker in line]
    assert len(lines) == 1, (marker, lines)
    return lines[0]


def refusal(path: Path) -> str:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert str(path) in message
    return message


# ---- the shipped file ----------------------------------------------------------------------

def test_the_shipped_file_is_found_by_year_inside_the_package() -> None:
    assert SHIPPED.is_file()
    assert SHIPPED.parent.name == "rulesets" and SHIPPED.parent.parent.name == "rules"
    assert default_ruleset_path(2027).name == "2027.toml"


def test_the_shipped_file_holds_the_years_thresholds(rules: RuleSet) -> None:
    assert rules.year == 2026
    assert rules.cutoff_date == date(2026, 12, 31)
    assert rules.publicity_min_working_days == 5
    ce = rules.continuing_education
    assert (ce.annual_hours, ce.public_min_hours) == (90, 30)
    assert ce.professional_min_share == Fraction(2, 3)
    assert ce.professional_min_hours == 60
    assert rules.report_min_chars == 3000
    assert rules.source == str(SHIPPED)


def test_the_cutoff_comment_tells_the_operator_to_edit_it_each_year() -> None:
    assert "材料截止日期" in TEXT and "每年必须按通知修改" in TEXT


ENGINEERING = [
    ("中级", "博士研究生", 0), ("中级", "硕士研究生", 2), ("中级", "大学本科", 4),
    ("中级", "大学专科", 4),
    ("副高级", "博士研究生", 2), ("副高级", "硕士研究生", 5), ("副高级", "大学本科", 5),
    ("正高级", "博士研究生", 5), ("正高级", "硕士研究生", 5), ("正高级", "大学本科", 5),
]


@pytest.mark.parametrize("series", ["工程", "工程系列", "卫生", "教育", "经济", "会计"])
@pytest.mark.parametrize("level, education, years", ENGINEERING)
def test_the_tenure_table_gives_the_years_for_each_level_and_education(
        rules: RuleSet, series: str, level: str, education: str, years: int) -> None:
    assert rules.tenure_years(series, level, education, "事业单位") == years


@pytest.mark.parametrize("series", ["工程", "卫生"])
def test_junior_college_for_associate_senior_is_open_only_to_non_public_enterprises(
        rules: RuleSet, series: str) -> None:
    assert rules.tenure_years(series, "副高级", "大学专科", "非公企业") == 7
    for kind in ("机关", "事业单位", "国有企业", "社会组织", None):
        assert rules.tenure_years(series, "副高级", "大学专科", kind) is None


def test_a_county_level_unit_opens_junior_college_for_associate_senior(rules: RuleSet) -> None:
    assert rules.tenure_years("工程", "副高级", "大学专科", "事业单位", county_level=True) == 7


@pytest.mark.parametrize("level, education", [
    ("中级", "中专"), ("正高级", "大学专科"), ("正高级", "中专"), ("初级", "大学本科"),
])
def test_an_education_or_level_missing_from_the_table_is_not_eligible(
        rules: RuleSet, level: str, education: str) -> None:
    assert rules.tenure_years("工程", level, education, "非公企业") is None


def test_a_series_table_overrides_the_default_only_for_the_levels_it_lists(tmp_path: Path) -> None:
    extra = '\n[tenure."卫生"."中级"]\n"大学本科" = 3\n'
    rules = load_ruleset(write(tmp_path, TEXT + extra))
    assert rules.tenure_years("卫生系列", "中级", "大学本科", "事业单位") == 3
    assert rules.tenure_years("卫生", "中级", "硕士研究生", "事业单位") is None
    assert rules.tenure_years("卫生", "副高级", "大学本科", "事业单位") == 5
    assert rules.tenure_years("工程", "中级", "大学本科", "事业单位") == 4


@pytest.mark.parametrize("kind, level, gender, limit", [
    ("事业单位", "副高级", "男", 60), ("事业单位", "正高级", "女", 55),
    ("机关", "正高级", "男", 60), ("机关", "副高级", "女", 55),
    ("事业单位", "中级", "男", None), ("非公企业", "正高级", "男", None),
    ("国有企业", "副高级", "女", None), ("社会组织", "副高级", "女", None),
])
def test_age_limits_depend_on_unit_kind_level_and_gender(
        rules: RuleSet, kind: str, level: str, gender: str, limit: int | None) -> None:
    assert rules.age_limit(kind, level, gender) == limit


def test_each_path_lifts_its_checks(rules: RuleSet) -> None:
    assert rules.lifted("正常") == ()
    assert rules.lifted("破格") == ("tenure", "education")
    assert rules.lifted("绿色通道") == ("tenure", "education", "age")
    assert rules.lifted(None) == ()


def test_the_files_vocabulary_matches_the_roster_and_the_unit_registry(rules: RuleSet) -> None:
    from pipeline.services.unit_records import KINDS

    assert UNIT_KINDS == KINDS
    assert {r.level for r in rules.tenure} <= set(LEVELS)
    assert {r.education for r in rules.tenure} <= set(EDUCATIONS)
    assert series_key(" 工程 系列") == "工程"


# ---- another file from a path --------------------------------------------------------------

def test_a_file_for_another_year_loads_from_a_path(tmp_path: Path) -> None:
    text = TEXT.replace("year = 2026", "year = 2027").replace(
        "cutoff_date = 2026-12-31", "cutoff_date = 2027-10-15").replace(
        "min_working_days = 5", "min_working_days = 7")
    rules = load_ruleset(write(tmp_path, text, "2027.toml"))
    assert (rules.year, rules.cutoff_date, rules.publicity_min_working_days) == (
        2027, date(2027, 10, 15), 7)


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    assert load_ruleset(write(tmp_path, TEXT, encoding="utf-8-sig")).year == 2026


def test_a_file_without_any_age_limit_or_relaxation_loads(tmp_path: Path) -> None:
    text = "age_limits = []\n" + TEXT[:TEXT.index("[[age_limits]]\nunit_kinds")] + "[relaxations]\n"
    rules = load_ruleset(write(tmp_path, text))
    assert rules.age_limits == () and rules.relaxations == ()
    assert rules.age_limit("事业单位", "正高级", "男") is None


# ---- refusals ------------------------------------------------------------------------------

def test_a_missing_file_is_refused_in_chinese(tmp_path: Path) -> None:
    message = refusal(tmp_path / "2031.toml")
    assert "不存在" in message and "ZHICHENG_RULES" in message


def test_a_file_not_in_utf8_is_refused_with_the_line(tmp_path: Path) -> None:
    text = "year = 2026\n# 材料截止日期\n"
    message = refusal(write(tmp_path, text, encoding="gbk"))
    assert "第2行" in message and "UTF-8" in message


SYNTAX_ERRORS = [  # (old, new, marker of the line at fault)
    ("year = 2026", "year = 2026 2026", "year = 2026 2026"),
    ('\n"大学本科" = 4', "\n大学本科 = 4", "大学本科 = 4"),
    ('professional_min_share = "2/3"', 'professional_min_share = "2/3', 'professional_min_share = "2/3'),
    ("cutoff_date = 2026-12-31", "cutoff_date = 2026-13-31", "2026-13-31"),
    ("[publicity]", "[publicity", "[publicity"),
    ("min_chars = 3000", "min_chars = 3000\nmin_chars = 3000", None),
]


@pytest.mark.parametrize("old, new, marker", SYNTAX_ERRORS)
def test_a_syntax_error_names_the_line_and_keeps_tomllibs_message(
        tmp_path: Path, old: str, new: str, marker: str | None) -> None:
    path = broken_copy(tmp_path, old, new)
    message = refusal(path)
    if marker is None:  # a repeated key: the second of the two lines
        line = TEXT.splitlines().index(old) + 2
    else:
        line = line_of(path, marker)
    assert f"第{line}行" in message
    assert "TOML 语法错误" in message and f"at line {line}" in message


SHARE = 'professional_min_share = "2/3"'
SEMANTIC_ERRORS = [  # (old, new, marker of the line at fault, words the message must hold)
    ("min_working_days = 5\n", "", "[publicity]", ["缺少", "min_working_days"]),
    ("min_chars = 3000", "min_char = 3000", "min_char = 3000", ["min_char", "不是可识别"]),
    ("annual_hours = 90", 'annual_hours = "九十"', "九十", ["annual_hours", "应为数字"]),
    ("public_min_hours = 30", "public_min_hours = -30", "-30", ["不能为负数"]),
    ('"硕士研究生" = 2', '"硕士研究生" = -2', "-2", ["不能为负数"]),
    ('"大学专科" = 4', '"大学专科" = 4.5', "4.5", ["应为整数"]),
    ("min_working_days = 5", "min_working_days = true", "min_working_days", ["应为整数"]),
    ("min_working_days = 5", "min_working_days = 0", "min_working_days", ["不能小于1"]),
    ("year = 2026", "year = 26", "year = 26", ["4位年份"]),
    ('[tenure."工程"."副高级"]', '[tenure."工程"."副高"]', '"副高"]', ["申报级别", "副高"]),
    ('"大学本科" = 5', '"本科" = 5', '"本科" = 5', ["学历", "本科", "大学本科"]),
    ("cutoff_date = 2026-12-31", 'cutoff_date = "2026-12-31"', "cutoff_date =", ["应为日期"]),
    ("cutoff_date = 2026-12-31", "cutoff_date = 2026-12-31T08:00:00", "T08", ["应为日期"]),
    ("cutoff_date = 2026-12-31", "cutoff_date = 20261231", "20261231", ["应为日期"]),
    ('"大学专科" = { years = 7, unit_kinds = ["非公企业"]',
     '"大学专科" = { years = 7, unit_kinds = ["私营企业"]', "私营企业", ["单位性质", "私营企业"]),
    ('["非公企业"], county_level = true }', '["非公企业"], county_level = "是" }',
     'county_level = "是"', ["true 或 false"]),
    ('unit_kinds = ["机关", "事业单位"]', 'unit_kinds = [\n  "机关",\n  "事业单位 ",\n]',
     '"事业单位 ",', ["单位性质"]),
    ('levels = ["副高级", "正高级"]', "levels = []", "levels = []", ["不能为空"]),
    ('under = { "男" = 60, "女" = 55 }', 'under = { "男" = 60 }', 'under = {', ["缺少", "女"]),
    ('under = { "男" = 60, "女" = 55 }', 'under = { "男" = 60, "女" = -55 }', 'under = {',
     ["不能小于1"]),
    ('"破格" = ["tenure", "education"]', '"破格" = ["tenure", "degree"]', '"破格"', ["degree"]),
    ('"绿色通道" = [', '"绿色" = [', '"绿色" = [', ["申报途径", "绿色"]),
    (SHARE, SHARE.replace("2/3", "2/0"), '"2/0"', ["分数"]),
    (SHARE, SHARE.replace("2/3", "3/2"), '"3/2"', ["0 到 1"]),
    (SHARE, SHARE.replace("2/3", "三分之二"), '"三分之二"', ["分数"]),
    ("[[age_limits]]\nunit_kinds", '[tenure."工程系列"."中级"]\n"大学本科" = 3\n\n[[age_limits]]\nunit_kinds',
     '[tenure."工程系列"', ["两次"]),
]


@pytest.mark.parametrize("old, new, marker, words", SEMANTIC_ERRORS)
def test_a_wrong_value_names_the_line_of_the_key_at_fault(
        tmp_path: Path, old: str, new: str, marker: str, words: list[str]) -> None:
    path = broken_copy(tmp_path, old, new)
    message = refusal(path)
    assert f"第{line_of(path, marker)}行" in message, message
    for word in words:
        assert word in message, message
    assert re.search(r"[\u4e00-\u9fff]", message)


@pytest.mark.parametrize("section", ["year = 2026\n", "[report]\n"])
def test_a_missing_top_level_key_is_named(tmp_path: Path, section: str) -> None:
    text = TEXT.replace(section, "", 1)
    if section.startswith("[report]"):
        text = text.replace("min_chars = 3000\n", "", 1)
    message = refusal(write(tmp_path, text))
    assert "文件顶层缺少" in message and section.strip(" =2026[]\n") in message  # noqa: B005 - strip a set of characters


def test_a_missing_default_tenure_table_names_where_the_tenure_table_begins(tmp_path: Path) -> None:
    path = write(tmp_path, TEXT.replace("[tenure.default.", "[tenure.defaults."))
    message = refusal(path)
    first_tenure_header = line_of(path, '[tenure."工程"."中级"]')
    assert f"第{first_tenure_header}行" in message
    assert "缺少“default”" in message


def test_a_top_level_key_written_inside_a_section_is_pointed_at(tmp_path: Path) -> None:
    """The TOML trap: a key below a [section] header belongs to that section."""
    start = TEXT.index("[[age_limits]]\nunit_kinds")
    block = TEXT[start:TEXT.index("# ----", start)]
    text = TEXT.replace(block, "").replace("[relaxations]\n", "[relaxations]\nage_limits = []  # 放错了\n")
    path = write(tmp_path, text)
    message = refusal(path)
    assert f"第{line_of(path, '放错了')}行" in message
    assert "缺少“age_limits”" in message and "relaxations" in message and "文件开头" in message
