"""The year's rules on the shipped 2026 rule set: tenure, continuing education, report length,
cut-off dates, age limits, and the relaxations of 破格 / 绿色通道 (never silent)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import pytest

from pipeline.domain.findings import Finding, Severity, route
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.domain.states import State
from pipeline.roster.fields import parse_fields
from pipeline.rules.loader import load_ruleset
from pipeline.rules.ruleset import Relaxation, RuleSet, default_ruleset_path
from pipeline.rules.year import RELAXED, ScannedReport, YearFacts, check_year_rules, full_years

RULES = load_ruleset(default_ruleset_path(2026))
CUTOFF = RULES.cutoff_date  # 2026-12-31
DAY = timedelta(days=1)


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def facts(**changes: object) -> YearFacts:
    """An application that passes every rule of 2026, with `changes`."""
    base = YearFacts(
        year=2026, series="工程", level="副高级", education="大学本科", degree="学士", path="正常",
        current_title_date=date(2015, 7, 1), graduation_date=date(2008, 7, 1),
        ce_hours=90, ce_public_hours=30, ce_professional_hours=60,
        birth_date=date(1985, 3, 1), gender="男", unit_kind="事业单位", work_report_chars=5000)
    return replace(base, **changes)


def check(rules: RuleSet = RULES, **changes: object) -> list[Finding]:
    return check_year_rules(facts(**changes), rules)


def codes(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> Finding:
    found = [f for f in findings if f.rule == rule]
    assert len(found) == 1, findings
    return found[0]


def test_an_application_that_meets_every_rule_has_no_findings() -> None:
    assert check() == []


def test_every_message_is_chinese() -> None:
    findings = check(path="破格", current_title_date=date(2025, 1, 1), ce_hours=10,
                     work_report_chars=10, birth_date=date(1950, 1, 1), gender="女",
                     graduation_date=CUTOFF + DAY, rules=replace(RULES, cutoff_date=date(2026, 6, 30)))
    assert len(findings) >= 5
    for finding in findings:
        assert re.search(r"[\u4e00-\u9fff]{4}", finding.message), finding


# ---- tenure.insufficient -------------------------------------------------------------------

TENURE = [  # series, level, education, unit kind, years required
    ("工程", "中级", "硕士研究生", "事业单位", 2),
    ("工程", "中级", "大学本科", "事业单位", 4),
    ("工程", "中级", "大学专科", "机关", 4),
    ("工程", "副高级", "博士研究生", "事业单位", 2),
    ("工程", "副高级", "硕士研究生", "国有企业", 5),
    ("工程", "副高级", "大学本科", "事业单位", 5),
    ("工程", "副高级", "大学专科", "非公企业", 7),
    ("工程", "正高级", "博士研究生", "事业单位", 5),
    ("工程", "正高级", "硕士研究生", "事业单位", 5),
    ("工程", "正高级", "大学本科", "非公企业", 5),
    ("工程系列", "副高级", "大学本科", "事业单位", 5),
    ("卫生", "副高级", "大学本科", "事业单位", 5),
    ("教育", "中级", "硕士研究生", "事业单位", 2),
    ("经济", "副高级", "大学专科", "非公企业", 7),
    ("会计", "正高级", "大学本科", "社会组织", 5),
]


@pytest.mark.parametrize("series, level, education, kind, years", TENURE)
def test_exactly_enough_years_since_the_current_title_passes(
        series: str, level: str, education: str, kind: str, years: int) -> None:
    findings = check(series=series, level=level, education=education, unit_kind=kind,
                     current_title_date=years_before(CUTOFF, years))
    assert "tenure.insufficient" not in codes(findings)


@pytest.mark.parametrize("series, level, education, kind, years", TENURE)
def test_one_day_short_of_the_years_fails_with_date_years_and_document(
        series: str, level: str, education: str, kind: str, years: int) -> None:
    title_date = years_before(CUTOFF, years) + DAY
    finding = only(check(series=series, level=level, education=education, unit_kind=kind,
                         current_title_date=title_date), "tenure.insufficient")
    assert finding.level is Severity.BLOCK
    assert finding.material == "现职称证书"
    for words in (title_date.isoformat(), f"满{years - 1}年", f"满{years}年", "现职称证书",
                  CUTOFF.isoformat(), education, level):
        assert words in finding.message, finding.message


def test_a_series_without_its_own_table_says_it_used_the_default() -> None:
    finding = only(check(series="卫生", current_title_date=date(2024, 1, 1)), "tenure.insufficient")
    assert "卫生系列" in finding.message and "通用" in finding.message


def test_a_doctor_may_apply_for_intermediate_without_any_years() -> None:
    assert check(level="中级", education="博士研究生", current_title_date=CUTOFF) == []
    assert check(level="中级", education="博士研究生", current_title_date=None) == []


@pytest.mark.parametrize("title_date, cutoff, counted", [
    (date(2020, 2, 29), date(2024, 2, 28), 3),
    (date(2020, 2, 29), date(2024, 2, 29), 4),
    (date(2021, 3, 1), date(2026, 2, 28), 4),
    (date(2021, 3, 1), date(2026, 3, 1), 5),
])
def test_years_are_counted_as_full_years_up_to_the_cutoff(
        title_date: date, cutoff: date, counted: int) -> None:
    assert full_years(title_date, cutoff) == counted
    findings = check(rules=replace(RULES, cutoff_date=cutoff), level="中级",
                     current_title_date=title_date, graduation_date=date(2008, 7, 1))
    assert ("tenure.insufficient" in codes(findings)) is (counted < 4)


def test_junior_college_at_a_non_public_enterprise_may_apply_after_seven_years() -> None:
    ok = check(education="大学专科", unit_kind="非公企业", current_title_date=years_before(CUTOFF, 7))
    assert ok == []
    short = only(check(education="大学专科", unit_kind="非公企业",
                       current_title_date=years_before(CUTOFF, 7) + DAY), "tenure.insufficient")
    assert "满7年" in short.message


@pytest.mark.parametrize("kind", ["事业单位", "机关", "国有企业", "社会组织"])
def test_junior_college_elsewhere_is_not_eligible_for_associate_senior_whatever_the_years(
        kind: str) -> None:
    finding = only(check(education="大学专科", unit_kind=kind, current_title_date=date(2000, 1, 1)),
                   "tenure.insufficient")
    assert finding.level is Severity.BLOCK and finding.material == "学历证书"
    for words in ("大学专科", "非公企业", kind, "学历证书", "副高级"):
        assert words in finding.message, finding.message


def test_junior_college_at_a_county_level_unit_is_eligible() -> None:
    assert check(education="大学专科", unit_kind="事业单位", county_level=True,
                 current_title_date=years_before(CUTOFF, 7)) == []


def test_junior_college_at_a_unit_of_unknown_kind_is_flagged_for_the_reviewer() -> None:
    findings = check(education="大学专科", unit_kind=None, current_title_date=date(2000, 1, 1))
    finding = only(findings, "tenure.insufficient")
    assert finding.level is Severity.WARN and "单位性质" in finding.message
    assert route(findings) is State.UNIT_REVIEW


@pytest.mark.parametrize("level, education", [("中级", "中专"), ("正高级", "大学专科")])
def test_an_education_missing_from_the_table_is_not_eligible(level: str, education: str) -> None:
    finding = only(check(level=level, education=education, unit_kind="非公企业",
                         current_title_date=date(2000, 1, 1)), "tenure.insufficient")
    assert education in finding.message and "大学本科" in finding.message
    assert finding.material == "学历证书"


@pytest.mark.parametrize("changes", [
    {"level": "初级", "education": "中专", "current_title_date": None},
    {"current_title_date": None},
    {"series": None, "current_title_date": date(2026, 1, 1)},
    {"education": None, "current_title_date": date(2026, 1, 1)},
    {"level": None, "current_title_date": date(2026, 1, 1)},
])
def test_a_tenure_check_without_its_inputs_finds_nothing(changes: dict[str, object]) -> None:
    assert check(**changes) == []


# ---- date.after_cutoff ---------------------------------------------------------------------

EARLY = replace(RULES, cutoff_date=date(2026, 6, 30))


def test_a_current_title_after_the_cutoff_is_reported_once_not_as_tenure() -> None:
    findings = check(rules=EARLY, current_title_date=date(2026, 7, 1))
    assert codes(findings) == ["date.after_cutoff"]
    assert findings[0].material == "现职称证书"
    assert "2026-07-01" in findings[0].message and "2026-06-30" in findings[0].message


def test_a_graduation_after_the_cutoff_is_reported_with_the_diploma() -> None:
    finding = only(check(rules=EARLY, graduation_date=date(2026, 7, 1)), "date.after_cutoff")
    assert finding.material == "学历证书" and "毕业时间" in finding.message


def test_dates_on_the_cutoff_are_in_time() -> None:
    findings = check(rules=EARLY, level="中级", education="博士研究生",
                     current_title_date=date(2026, 6, 30), graduation_date=date(2026, 6, 30))
    assert findings == []


# ---- ce_hours.insufficient -----------------------------------------------------------------

@pytest.mark.parametrize("total, public, professional, short", [
    (90, 30, 60, []),
    (120, 30, 60, []),               # two thirds of the 90 hours a year, not of the total declared
    (89.5, 30, 59.5, ["继续教育学时", "专业科目学时"]),
    (89.5, None, None, ["继续教育学时"]),
    (90, 29, 61, ["公需科目学时"]),
    (90, 31, 59, ["专业科目学时"]),
    (80, 20, 50, ["继续教育学时", "公需科目学时", "专业科目学时"]),
    (None, None, None, []),
    (None, 10, None, ["公需科目学时"]),
])
def test_continuing_education_checks_total_public_and_professional_hours(
        total: float | None, public: float | None, professional: float | None,
        short: list[str]) -> None:
    findings = [f for f in check(ce_hours=total, ce_public_hours=public,
                                 ce_professional_hours=professional)]
    assert codes(findings) == ["ce_hours.insufficient"] * len(short)
    for finding, label in zip(findings, short):
        assert finding.message.startswith(f"{label}不足"), finding.message
        assert "继续教育学时认定单" in finding.message and finding.material == "继续教育学时认定单"
        assert "2025年度" in finding.message


def test_the_shortfall_is_stated_in_hours() -> None:
    total, public, professional = check(ce_hours=89.5, ce_public_hours=20, ce_professional_hours=40)
    assert "89.5学时" in total.message and "不少于90学时" in total.message and "尚差0.5学时" in total.message
    assert "尚差10学时" in public.message
    assert "不少于60学时" in professional.message and "2/3" in professional.message
    assert "尚差20学时" in professional.message


def test_the_professional_share_is_read_from_the_rule_set() -> None:
    rules = replace(RULES, continuing_education=replace(
        RULES.continuing_education, professional_min_share=Fraction(3, 4)))
    finding = only(check(rules=rules), "ce_hours.insufficient")
    assert "专业科目学时" in finding.message and "67.5" in finding.message


# ---- report.too_short ----------------------------------------------------------------------

@pytest.mark.parametrize("chars, too_short", [(2999, True), (3000, False), (0, True), (None, False)])
def test_a_work_report_under_three_thousand_characters_is_too_short(
        chars: int | None, too_short: bool) -> None:
    findings = check(work_report_chars=chars)
    assert codes(findings) == (["report.too_short"] if too_short else [])
    if too_short:
        assert "3,000字" in findings[0].message and findings[0].material == "述职报告"


def test_the_report_threshold_is_read_from_the_rule_set() -> None:
    rules = replace(RULES, report_min_chars=1000)
    assert check(rules=rules, work_report_chars=1000) == []
    assert "尚差1字" in only(check(rules=rules, work_report_chars=999), "report.too_short").message


def scanned(chars: int, pages: int = 3, read: int | None = None, gap: str | None = None,
            text: int | None = None) -> list[Finding]:
    """The year's findings for a 述职报告 whose scanned parts OCR counted `chars` characters."""
    scan = ScannedReport(chars, pages, pages if read is None else read, gap)
    return check(work_report_chars=text, work_report_scan=scan)


@pytest.mark.parametrize("chars, rule", [
    (3000, None), (5200, None),                    # at or over the minimum: no finding
    (2999, "report.unverified"), (2700, "report.unverified"),   # within 10 %: OCR may miscount
    (2699, "report.too_short"), (400, "report.too_short"),       # clearly short
    (0, "report.unverified"),                      # every page read, nothing found: not a count
])
def test_a_scanned_report_is_too_short_only_when_its_ocr_count_is_clearly_under_the_minimum(
        chars: int, rule: str | None) -> None:
    findings = scanned(chars)
    assert codes(findings) == ([rule] if rule else [])
    if rule:
        f = findings[0]
        assert f.material == "述职报告" and "扫描件" in f.message and "3,000字" in f.message
        assert f.level == (Severity.BLOCK if rule == "report.too_short" else Severity.WARN)
    if rule == "report.too_short":
        assert f"约{chars:,}字" in f.message and "近似" in f.message and "尚差" not in f.message
    if rule == "report.unverified":
        assert "人工核对" in f.message


def test_a_scanned_report_not_read_in_full_asks_the_reviewer_unless_the_pages_read_suffice() -> None:
    capped = "共40页，超过识别页数上限，只识别了前30页"
    assert scanned(3100, pages=40, read=30, gap=capped) == []     # what was read is enough
    f = only(scanned(1200, pages=40, read=30, gap=capped), "report.unverified")
    assert capped in f.message and "已识别的30页" in f.message and "约1,200字" in f.message
    unreadable = "第2、3页（共2页）无法识别（图像无法识别）"
    f = only(scanned(800, pages=3, read=1, gap=unreadable), "report.unverified")
    assert unreadable in f.message and f.level is Severity.WARN
    nothing = "本系统未配置文字识别（OCR）引擎，扫描件未经识别"
    f = only(scanned(0, pages=5, read=0, gap=nothing), "report.unverified")
    assert nothing in f.message and "未能统计" in f.message and "人工核对" in f.message


def test_a_report_with_a_text_layer_and_a_scanned_part_counts_both() -> None:
    assert scanned(1500, text=1600) == []
    f = only(scanned(500, text=1000), "report.too_short")
    assert "文字层1,000字" in f.message and "约500字" in f.message and "合计约1,500字" in f.message
    assert codes(scanned(1000, text=1800)) == ["report.unverified"]   # 2,800: within 10 %


def test_the_scan_threshold_follows_the_rule_sets_minimum() -> None:
    rules = replace(RULES, report_min_chars=1000)

    def rule(chars: int) -> list[str]:
        return codes(check(rules=rules, work_report_chars=None,
                           work_report_scan=ScannedReport(chars, 1, 1)))

    assert rule(1000) == [] and rule(900) == ["report.unverified"] and rule(899) == ["report.too_short"]


# ---- age.over_limit ------------------------------------------------------------------------

AGES = [  # kind, level, gender, age at the cut-off (on the birthday itself), over the limit
    ("事业单位", "副高级", "男", 60, True),
    ("事业单位", "副高级", "男", 59, False),
    ("机关", "正高级", "男", 60, True),
    ("事业单位", "正高级", "女", 55, True),
    ("机关", "副高级", "女", 54, False),
    ("事业单位", "副高级", "女", 58, True),
    ("非公企业", "正高级", "男", 70, False),
    ("国有企业", "副高级", "女", 58, False),
    ("事业单位", "中级", "男", 62, False),
]


@pytest.mark.parametrize("kind, level, gender, age, over", AGES)
def test_age_limits_depend_on_the_units_kind_the_level_and_the_gender(
        kind: str, level: str, gender: str, age: int, over: bool) -> None:
    born = years_before(CUTOFF, age)
    findings = check(unit_kind=kind, level=level, gender=gender, birth_date=born,
                     education="大学本科", current_title_date=date(2000, 1, 1))
    assert codes(findings) == (["age.over_limit"] if over else [])
    if over:
        message = findings[0].message
        for words in (born.isoformat(), f"已满{age}周岁", "身份证号", kind, level):
            assert words in message, message


def test_the_day_before_the_limit_birthday_is_still_in_time() -> None:
    born = years_before(CUTOFF, 60) + DAY
    assert check(birth_date=born, gender="男") == []


@pytest.mark.parametrize("changes", [{"unit_kind": None}, {"birth_date": None}, {"gender": None}])
def test_an_age_check_without_its_inputs_finds_nothing(changes: dict[str, object]) -> None:
    assert check(**{"birth_date": date(1940, 1, 1), **changes}) == []


# ---- relaxations ---------------------------------------------------------------------------

SHORT_TENURE = {"current_title_date": date(2025, 1, 1)}
INELIGIBLE = {"education": "大学专科", "current_title_date": date(2010, 1, 1)}
TOO_OLD = {"birth_date": date(1960, 1, 1)}


@pytest.mark.parametrize("path, problem, lifted", [
    ("破格", SHORT_TENURE, True), ("破格", INELIGIBLE, True), ("破格", TOO_OLD, False),
    ("绿色通道", SHORT_TENURE, True), ("绿色通道", INELIGIBLE, True), ("绿色通道", TOO_OLD, True),
    ("正常", SHORT_TENURE, False), ("正常", INELIGIBLE, False), ("正常", TOO_OLD, False),
])
def test_each_path_lifts_exactly_its_checks(path: str, problem: dict[str, object],
                                            lifted: bool) -> None:
    normal = [f for f in check(**problem) if f.rule != RELAXED]
    assert normal, "the problem must fail on the normal path"
    findings = check(path=path, **problem)
    blocking = [f for f in findings if f.level is not Severity.INFO]
    assert blocking == ([] if lifted else normal)


@pytest.mark.parametrize("path, names", [("破格", ["任职年限", "学历要求"]),
                                         ("绿色通道", ["任职年限", "学历要求", "年龄限制"])])
def test_a_relaxed_path_is_always_noted_even_when_nothing_needed_relaxing(
        path: str, names: list[str]) -> None:
    findings = check(path=path)
    note = only(findings, RELAXED)
    assert note.level is Severity.INFO
    assert f"“{path}”" in note.message and "符合要求" in note.message
    for name in names:
        assert name in note.message
    assert route(findings) is State.UNIT_REVIEW


def test_the_note_says_what_the_lifted_checks_would_have_found() -> None:
    note = only(check(path="破格", **SHORT_TENURE), RELAXED)
    assert "任职年限不足" in note.message and "2025-01-01" in note.message
    assert "按破格" not in note.message  # the advice to use a relaxed path is left out


def test_the_normal_path_adds_no_note() -> None:
    assert RELAXED not in codes(check(**SHORT_TENURE))
    assert RELAXED not in codes(check(path=None, **SHORT_TENURE))


@pytest.mark.parametrize("problem, rule", [
    ({"ce_hours": 10}, "ce_hours.insufficient"),
    ({"work_report_chars": 100}, "report.too_short"),
])
def test_a_relaxed_path_does_not_lift_the_other_rules(problem: dict[str, object], rule: str) -> None:
    assert rule in codes(check(path="绿色通道", **problem))


def test_a_relaxed_path_does_not_lift_the_cutoff() -> None:
    findings = check(rules=EARLY, path="绿色通道", current_title_date=date(2026, 7, 1))
    assert "date.after_cutoff" in codes(findings)


def test_what_a_path_lifts_is_read_from_the_rule_set() -> None:
    rules = replace(RULES, relaxations=(Relaxation("破格", ("age",)),))
    findings = check(rules=rules, path="破格", **SHORT_TENURE, **TOO_OLD)
    assert "tenure.insufficient" in codes(findings) and "age.over_limit" not in codes(findings)
    assert "年龄限制" in only(findings, RELAXED).message


def test_lifting_only_the_education_still_asks_for_the_strictest_years() -> None:
    rules = replace(RULES, relaxations=(Relaxation("破格", ("education",)),))
    findings = check(rules=rules, path="破格", level="中级", education="中专",
                     current_title_date=years_before(CUTOFF, 4) + DAY)
    tenure = only(findings, "tenure.insufficient")
    assert "满4年" in tenure.message and tenure.material == "现职称证书"


# ---- the facts from a roster row -----------------------------------------------------------

def test_facts_are_built_from_the_parsed_roster_and_the_id_number() -> None:
    id_number = make_id_number("43010219660515002")  # a woman born 1966-05-15
    raw = {"name": "李四", "id_number": id_number, "phone": "13812345678",
           "unit_code": make_uscc("12430000MB1A0000X"), "year": "2026", "series": "工程系列",
           "specialty": "土木", "level": "副高", "title_name": "高级工程师", "current_title": "工程师",
           "current_title_date": "2022年7月", "education": "本科", "graduation_date": "1988-07-01",
           "work_start_date": "1988-08-01", "ce_hours": "90", "ce_public_hours": "30",
           "ce_professional_hours": "60", "path": ""}
    values = parse_fields(raw, date(2026, 3, 1)).values
    facts = YearFacts.from_roster(values, today=date(2026, 3, 1), unit_kind="事业单位",
                                  work_report_chars=4000)
    assert (facts.birth_date, facts.gender, facts.level, facts.education, facts.path) == (
        date(1966, 5, 15), "女", "副高级", "大学本科", "正常")
    assert facts.ce_professional_hours == 60.0 and facts.year == 2026
    assert codes(check_year_rules(facts, RULES)) == ["tenure.insufficient", "age.over_limit"]
