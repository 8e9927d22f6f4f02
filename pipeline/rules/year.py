"""The year's rules (docs/reference.md §1c, §3) as pure functions over `YearFacts` and a `RuleSet`.

tenure.insufficient, ce_hours.insufficient, report.too_short (report.unverified when a scanned
report's OCR count cannot settle it), date.after_cutoff, age.over_limit, and path.relaxed: the `info` note that names the path (破格 / 绿色通道), what it lifted and what the
lifted checks would have said, so a relaxation is never silent. A check whose inputs are missing
gives no finding: the roster rules already report missing fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pipeline.domain.findings import Finding, Severity
from pipeline.domain.identity import check_id_number
from pipeline.roster.fields import LEVELS
from pipeline.rules.ruleset import DEFAULT_SERIES, RELAXABLE, RuleSet, TenureRule, series_key

RELAXED = "path.relaxed"
_NORMAL = "正常"
# An OCR count of a scanned 述职报告 is approximate (missed and invented characters): only a count
# below this share of the minimum is called too short; between it and the minimum a reviewer checks.
SCAN_SURE_SHARE = 0.9


@dataclass(frozen=True)
class ScannedReport:
    """What OCR counted on the 述职报告's scanned parts (PDFs without a text layer): `chars`
    non-whitespace characters on `pages_read` of their `pages` pages; `gap` says in Chinese why
    the other pages were not read (no OCR engine, unreadable pages, the page cap), None when every
    page was read."""

    chars: int = 0
    pages: int = 0
    pages_read: int = 0
    gap: str | None = None


@dataclass(frozen=True)
class YearFacts:
    """What the year's rules read about one application; None where it is not known."""

    year: int | None = None
    series: str | None = None
    level: str | None = None
    education: str | None = None
    degree: str | None = None
    path: str | None = _NORMAL
    current_title_date: date | None = None
    graduation_date: date | None = None
    ce_hours: float | None = None
    ce_public_hours: float | None = None
    ce_professional_hours: float | None = None
    birth_date: date | None = None        # from the ID number
    gender: str | None = None             # from the ID number
    unit_kind: str | None = None          # 单位性质 of the registered unit
    county_level: bool = False            # 县级单位, as the unit registry records it
    work_report_chars: int | None = None  # characters of the 述职报告's text layer
    work_report_scan: ScannedReport | None = None  # its scanned parts, as OCR counted them

    @classmethod
    def from_roster(cls, values: Mapping[str, object], *, today: date,
                    unit_kind: str | None = None, work_report_chars: int | None = None,
                    county_level: bool = False,
                    work_report_scan: ScannedReport | None = None) -> YearFacts:
        """The facts from `parse_fields(...).values`; birth date and gender from the ID number."""
        def text(name: str) -> str | None:
            value = values.get(name)
            return value if isinstance(value, str) and value else None

        def day(name: str) -> date | None:
            value = values.get(name)
            return value if isinstance(value, date) else None

        def hours(name: str) -> float | None:
            value = values.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            return float(value)

        year = values.get("year")
        check = check_id_number(text("id_number") or "", today)
        return cls(
            year=year if isinstance(year, int) and not isinstance(year, bool) else None,
            series=text("series"), level=text("level"), education=text("education"),
            degree=text("degree"), path=text("path") or _NORMAL,
            current_title_date=day("current_title_date"), graduation_date=day("graduation_date"),
            ce_hours=hours("ce_hours"), ce_public_hours=hours("ce_public_hours"),
            ce_professional_hours=hours("ce_professional_hours"),
            birth_date=check.birth_date if check.ok else None,
            gender=check.gender if check.ok else None,
            unit_kind=unit_kind or None, county_level=county_level,
            work_report_chars=work_report_chars, work_report_scan=work_report_scan)


def check_year_rules(facts: YearFacts, rules: RuleSet) -> list[Finding]:
    """Every finding of the year's rules on one application, relaxations noted, never silent."""
    lifted = rules.lifted(facts.path or _NORMAL)
    liftable = _tenure(facts, rules) + _age(facts, rules)
    findings = _after_cutoff(facts, rules)
    findings += [f for check, f in liftable if check not in lifted]
    findings += _ce_hours(facts, rules)
    findings += _report(facts, rules)
    if lifted:
        findings.append(_relaxed(facts, rules, lifted,
                                 [f for check, f in liftable if check in lifted]))
    return findings


def full_years(start: date, end: date) -> int:
    """Full years from `start` to `end`: the anniversary on or before `end` counts."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _series_name(facts: YearFacts, table: tuple[TenureRule, ...]) -> str:
    name = f"{series_key(facts.series or '')}系列"
    return name + ("（未单列年限，按通用任职年限表）" if table[0].series == DEFAULT_SERIES else "")


def _kinds(rule: TenureRule) -> str:
    return "、".join(rule.unit_kinds) + ("或县级单位" if rule.county_level else "")


def _tenure(facts: YearFacts, rules: RuleSet) -> list[tuple[str, Finding]]:
    """("education", …) when the education may not apply for the level, ("tenure", …) when the
    years since the current title fall short."""
    if not (facts.series and facts.level and facts.education) or facts.level not in LEVELS[1:]:
        return []
    table = rules.tenure_rules(facts.series, facts.level)
    if not table:
        return []
    series, level, education = _series_name(facts, table), facts.level, facts.education
    prior = LEVELS[LEVELS.index(level) - 1]
    rule = next((r for r in table if r.education == education), None)
    out: list[tuple[str, Finding]] = []
    if rule is None:
        allowed = "、".join(r.education for r in table)
        out.append(("education", Finding(
            "tenure.insufficient",
            f"学历不符合申报条件：最高学历为{education}（以学历证书为准），{series}申报{level}须具备"
            f"{allowed}学历之一；请核对学历证书和花名册中的最高学历，或按破格、绿色通道途径申报",
            "学历证书")))
        required = max(r.years for r in table)  # the education requirement lifted: the strictest
    else:
        required = rule.years
        open_to = rule.open_to(facts.unit_kind, facts.county_level)
        condition = (f"{series}以{education}学历申报{level}，仅限{_kinds(rule)}的专业技术人员"
                     f"（须取得{prior}职称后满{rule.years}年）")
        if open_to is False:
            out.append(("education", Finding(
                "tenure.insufficient",
                f"学历不符合申报条件：最高学历为{education}（以学历证书为准），{condition}，"
                f"所在单位性质为{facts.unit_kind}；请核对学历证书和单位性质，或按破格、绿色通道途径申报",
                "学历证书")))
        elif open_to is None:
            out.append(("education", Finding(
                "tenure.insufficient",
                f"无法判断学历条件：最高学历为{education}（以学历证书为准），{condition}，"
                "但单位登记信息中没有单位性质；请审核人员核实单位性质", "学历证书", Severity.WARN)))
    title_date = facts.current_title_date
    if required > 0 and title_date is not None and title_date <= rules.cutoff_date:
        counted = full_years(title_date, rules.cutoff_date)
        if counted < required:
            latest = _years_before(rules.cutoff_date, required)
            out.append(("tenure", Finding(
                "tenure.insufficient",
                f"任职年限不足：现职称证书显示现职称取得时间为{title_date.isoformat()}，截至材料截止日期"
                f"{rules.cutoff_date.isoformat()}满{counted}年；{series}以{education}学历申报{level}，"
                f"须取得{prior}职称后满{required}年（取得时间不晚于{latest.isoformat()}）；"
                "请核对现职称证书和花名册中的现职称取得时间", "现职称证书")))
    return out


def _age(facts: YearFacts, rules: RuleSet) -> list[tuple[str, Finding]]:
    if not (facts.birth_date and facts.gender and facts.unit_kind and facts.level):
        return []
    limit = rules.age_limit(facts.unit_kind, facts.level, facts.gender)
    if limit is None:
        return []
    age = full_years(facts.birth_date, rules.cutoff_date)
    if age < limit:
        return []
    return [("age", Finding(
        "age.over_limit",
        f"年龄超过申报限制：身份证号显示出生日期为{facts.birth_date.isoformat()}，截至材料截止日期"
        f"{rules.cutoff_date.isoformat()}已满{age}周岁；{facts.unit_kind}的{facts.gender}性专业技术人员"
        f"申报{facts.level}，在材料截止日期须未满{limit}周岁；请核对身份证号，或按绿色通道途径申报"))]


def _after_cutoff(facts: YearFacts, rules: RuleSet) -> list[Finding]:
    cutoff = rules.cutoff_date.isoformat()
    out = []
    for label, value, document in (("现职称取得时间", facts.current_title_date, "现职称证书"),
                                   ("毕业时间", facts.graduation_date, "学历证书")):
        if value is not None and value > rules.cutoff_date:
            out.append(Finding(
                "date.after_cutoff",
                f"{label}{value.isoformat()}晚于{rules.year}年度材料截止日期{cutoff}（{document}显示该日期）；"
                f"材料截止日期之后取得的不能作为本次申报的依据，请核对{document}和花名册", document))
    return out


def _ce_hours(facts: YearFacts, rules: RuleSet) -> list[Finding]:
    ce = rules.continuing_education
    year = f"{facts.year - 1}年度" if facts.year else "上一年度"
    share = ce.professional_min_share
    checks = (
        ("继续教育学时", facts.ce_hours, ce.annual_hours, "（每年累计）"),
        ("公需科目学时", facts.ce_public_hours, ce.public_min_hours, ""),
        ("专业科目学时", facts.ce_professional_hours, ce.professional_min_hours,
         f"（每年{_num(ce.annual_hours)}学时的{share.numerator}/{share.denominator}）"),
    )
    out = []
    for label, have, need, note in checks:
        if have is not None and have + 1e-9 < need:
            out.append(Finding(
                "ce_hours.insufficient",
                f"{label}不足：填报{year}{label}{_num(have)}学时，要求不少于{_num(need)}学时{note}，"
                f"尚差{_num(need - have)}学时；学时以继续教育学时认定单为准，请核对认定单和花名册",
                "继续教育学时认定单"))
    return out


def _report(facts: YearFacts, rules: RuleSet) -> list[Finding]:
    chars, need = facts.work_report_chars, rules.report_min_chars
    if facts.work_report_scan is not None:
        return _scanned_report(chars, facts.work_report_scan, need)
    if chars is None or chars >= need:
        return []
    return [Finding(
        "report.too_short",
        f"述职报告字数不足：述职报告的文字共{chars:,}字，要求不少于{need:,}字，尚差{need - chars:,}字；"
        "请充实述职报告后重新提交", "述职报告")]


def _scanned_report(text_chars: int | None, scan: ScannedReport, need: int) -> list[Finding]:
    """A report with scanned parts: too short only when the OCR count of every page is clearly
    under the minimum; unverified when the count is near it or pages were not read. A count at or
    over the minimum needs no finding, even from part of the pages."""
    total = (text_chars or 0) + scan.chars
    if total >= need:
        return []
    what = "述职报告为扫描件（没有文字层）" if text_chars is None else "述职报告含扫描件（部分没有文字层）"
    if text_chars is not None:
        counted = f"文字层{text_chars:,}字，扫描件经文字识别（OCR）约{scan.chars:,}字，合计约{total:,}字"
    else:
        counted = f"经文字识别（OCR）约{total:,}字"
    by_hand = "；请审核人员人工核对述职报告的字数"
    if scan.pages_read == 0:
        why = scan.gap or "没有识别任何页面"
        return [Finding("report.unverified",
                        f"未能核实述职报告字数：{what}，{why}，未能统计扫描件的字数"
                        f"（要求不少于{need:,}字）{by_hand}", "述职报告")]
    if scan.gap is not None:
        return [Finding("report.unverified",
                        f"未能核实述职报告字数：{what}，扫描件共{scan.pages}页，{scan.gap}；"
                        f"已识别的{scan.pages_read}页{counted}，要求不少于{need:,}字{by_hand}",
                        "述职报告")]
    if scan.chars == 0:
        return [Finding("report.unverified",
                        f"未能核实述职报告字数：{what}，扫描件共{scan.pages}页，经文字识别（OCR）未识别出"
                        f"文字（可能扫描模糊或只有图片），要求不少于{need:,}字{by_hand}", "述职报告")]
    if total >= need * SCAN_SURE_SHARE:
        return [Finding("report.unverified",
                        f"未能核实述职报告字数：{what}，{counted}，略低于要求的{need:,}字，"
                        f"识别计数有误差，不能据此认定字数不足{by_hand}", "述职报告")]
    return [Finding(
        "report.too_short",
        f"述职报告字数不足：{what}，{counted}（识别计数为近似值），要求不少于{need:,}字，"
        "明显不足；请充实述职报告后重新提交（建议提交可复制文字的PDF）", "述职报告")]


def _relaxed(facts: YearFacts, rules: RuleSet, lifted: tuple[str, ...],
             suppressed: list[Finding]) -> Finding:
    what = "、".join(RELAXABLE[c] for c in lifted)
    message = (f"按“{facts.path}”途径申报：依{rules.year}年度规则集，放宽{what}的审核；"
               f"请审核人员核实{facts.path}申报的条件和依据")
    if suppressed:
        message += "。若按正常途径，本应提示：" + "；".join(
            f.message.rsplit("；请", 1)[0] for f in suppressed)
    else:
        message += "。按正常途径审核，所放宽的各项也符合要求"
    return Finding(RELAXED, message, None, Severity.INFO)
