"""The identity, roster, unit and material rules (docs/reference.md §3), as pure functions over facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.documents.ocr_fields import CertificateFields
from pipeline.domain.findings import Finding, Severity
from pipeline.domain.materials import MaterialKind, required_kinds
from pipeline.domain.states import LABELS, State
from pipeline.domain.states import NOT_COMPETING as NOT_COMPETING_STATES
from pipeline.domain.vocabulary import UnitStatus
from pipeline.roster.record import RosterRecord
from pipeline.rules.certificates import check_certificate
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.readings import FieldJudgement
from pipeline.rules.ruleset import RuleSet
from pipeline.rules.year import ScannedReport, YearFacts, check_year_rules

APPROVED = UnitStatus.APPROVED
# Applications that do not stand in the way of another one of the same person and year: a
# returned one waits for correction (the new one is often that correction), a rejected one is over.
NOT_COMPETING = {str(s) for s in NOT_COMPETING_STATES}


@dataclass(frozen=True)
class UnitFacts:
    code: str
    name: str
    kind: str
    status: str
    parent_code: str | None
    parent_status: str | None      # None: no parent (center), or the parent is not registered
    parent_registered: bool
    county_level: bool = False


@dataclass(frozen=True)
class OtherApplication:
    id: int
    unit_code: str
    title_name: str
    state: str


@dataclass
class ApplicationFacts:
    """Everything the checks read about one application, loaded in one short transaction."""

    raw: dict[str, object]
    unit_code: str
    unit: UnitFacts | None
    material_kinds: list[str]
    others_same_year: list[OtherApplication] = field(default_factory=list)
    work_report_chars: int | None = None   # the 述职报告's text layer; None: not known
    work_report_scan: ScannedReport | None = None  # its scanned parts as OCR counted them, if any
    readings: list[CertificateReading] = field(default_factory=list)
    # The roster row as parsed at intake; None: parse `raw` (facts built by hand, old rows).
    record: RosterRecord | None = None


@dataclass(frozen=True)
class CertificateReading:
    """What the extract stage read from one certificate file."""

    file: str
    kind: str
    text: str
    fields: dict[str, Any]                # CertificateFields.to_json(), "engine", maybe "error"


RulesFor = Callable[[int | None], RuleSet | None]


def run_checks(facts: ApplicationFacts, rules_for: RulesFor, today: date) -> list[Finding]:
    """Every finding of the identity, roster, unit, material and year rules, all at once (一次性告知).

    `rules_for(year)` gives the rule set of the application's year (None: there is none).
    """
    return check_application(facts, rules_for, today)[0]


def check_application(facts: ApplicationFacts, rules_for: RulesFor, today: date
                      ) -> tuple[list[Finding], list[FieldJudgement]]:
    """`run_checks`'s findings, and the judgement of every field read from the certificates
    against the roster (stored for the packet, `apps show` and the API)."""
    parsed = facts.record or RosterRecord.parse(facts.raw, today)
    year = parsed.values.get("year")
    rules = rules_for(year if isinstance(year, int) else None)
    findings = [Finding(p.rule, p.message) for p in parsed.problems]
    findings += _unit_findings(facts, parsed.values)
    findings += _missing_materials(facts, parsed.values)
    findings += _duplicates(facts, parsed.values)
    findings += _year_rules(facts, parsed.values, rules, today)
    certificate_findings, judged = _certificates(facts, parsed.values)
    return findings + certificate_findings, judged


def _certificates(facts: ApplicationFacts, values: dict[str, object]
                  ) -> tuple[list[Finding], list[FieldJudgement]]:
    """The certificates' readings against the roster: name, ID number, hours, dates, numbers."""
    declared = DeclaredFacts.from_values(values)
    out: list[Finding] = []
    judged: list[FieldJudgement] = []
    for r in facts.readings:
        if r.fields.get("error"):
            out.append(Finding("ocr.unreadable", f"“{r.file}”无法识别文字（{r.fields['error']}）；"
                               "请审核人员人工核对该证书，必要时请申报人重新扫描上传", r.file))
            continue
        fields = CertificateFields.from_json(r.fields)
        found, fields_judged = check_certificate(MaterialKind(r.kind), fields, r.text, declared,
                                                 material=r.file)
        out += found
        judged += fields_judged
    return out, judged


def _year_rules(facts: ApplicationFacts, values: dict[str, object], rules: RuleSet | None,
                today: date) -> list[Finding]:
    if rules is None:
        year = values.get("year")
        if year is None:  # an unreadable year is already a roster finding
            return []
        return [Finding("rules.unavailable",
                        f"系统中没有{year}年度的评审规则，未能检查任职年限、继续教育学时、述职报告字数、"
                        "年龄等要求；请运维人员用 --rules 或 ZHICHENG_RULES 配置该年度的规则集文件")]
    year_facts = YearFacts.from_roster(
        values, today=today, unit_kind=facts.unit.kind if facts.unit else None,
        work_report_chars=facts.work_report_chars, work_report_scan=facts.work_report_scan,
        county_level=bool(facts.unit and facts.unit.county_level))
    return check_year_rules(year_facts, rules)


def _unit_findings(facts: ApplicationFacts, values: dict[str, object]) -> list[Finding]:
    return unit_findings(facts.unit_code, facts.unit, values)


def unit_findings(unit_code: str, unit: UnitFacts | None, values: dict[str, object]
                  ) -> list[Finding]:
    """The unit rules: registered, approved, its superior configured, its name as registered."""
    if values.get("unit_code") is None:  # an invalid code is already a roster finding
        return []
    if unit is None:
        return [Finding("unit.unregistered",
                        f"单位统一社会信用代码{unit_code}未在系统中注册；请单位先完成网上注册"
                        "并经审核通过后再提交申报")]
    out: list[Finding] = []
    if unit.status != APPROVED:
        out.append(Finding("unit.not_approved",
                           f"单位“{unit.name}”的注册状态为“{unit.status}”，尚未审核通过；"
                           "请联系主管单位或主管机构审核后再提交申报"))
    if unit.parent_code and not unit.parent_registered:
        out.append(Finding("unit.not_approved",
                           f"单位“{unit.name}”配置的上级单位{unit.parent_code}尚未注册，上下级关系未配置完成；"
                           "请联系经办机构配置上下级关系"))
    elif unit.parent_code and unit.parent_status != APPROVED:
        out.append(Finding("unit.not_approved",
                           f"单位“{unit.name}”的上级单位{unit.parent_code}注册尚未审核通过"
                           f"（当前：{unit.parent_status}），上下级关系未配置完成"))
    declared = values.get("unit_name")
    if declared and _norm(str(declared)) != _norm(unit.name):
        out.append(Finding("unit.name_mismatch",
                           f"花名册中的单位名称“{declared}”与注册的单位名称“{unit.name}”不一致，请核对"))
    return out


def _norm(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")")


def _missing_materials(facts: ApplicationFacts, values: dict[str, object]) -> list[Finding]:
    present = set(facts.material_kinds)
    level, degree = values.get("level"), values.get("degree")
    out = []
    for kind in required_kinds(level if isinstance(level, str) else None,
                               degree if isinstance(degree, str) else None):
        if str(kind) not in present:
            why = ""
            if kind is MaterialKind.DEGREE_CERT:
                why = f"（花名册填写了最高学位“{degree}”）"
            elif kind is MaterialKind.TITLE_CERT:
                why = f"（申报{level}须提交现职称证书）"
            out.append(Finding("material.missing",
                               f"缺少必备材料“{kind}”{why}；请将该材料以“{kind}”命名后补充提交",
                               str(kind)))
    return out


def _duplicates(facts: ApplicationFacts, values: dict[str, object]) -> list[Finding]:
    """Another application of the same person and year (docs/单位导入指南.md, 重复申报).

    Of the unit's own applications the unit knows everything: a second one is returned. Against
    another unit's application the unit learns only that one exists, never its unit, title or
    state, and the application is not returned: filing first must not win over the applicant's
    actual unit. It goes on with a warning, and the check stage records the details for the
    center (`duplicate.flagged` on both applications), which decides.
    """
    out = []
    competing = [o for o in facts.others_same_year if o.state not in NOT_COMPETING]
    for other in competing:
        if other.unit_code != facts.unit_code:
            continue
        out.append(Finding("application.duplicate",
                           f"本单位已为该申报人提交了{values.get('year')}年度的另一份申报（编号{other.id}，"
                           f"申报“{other.title_name}”，状态：{LABELS.get(State(other.state), other.state)}），"
                           "同一年度只能申报一次；请核实后撤回其中一份"))
    if any(o.unit_code != facts.unit_code for o in competing):
        out.append(Finding("application.duplicate",
                           f"该申报人{values.get('year')}年度在其他单位已有一份申报，同一年度只能申报一次；"
                           "本申报已标记并报评审中心核实，由中心决定受理哪一份。如申报人确属本单位，"
                           "请准备劳动（聘用）合同等证明材料备查", severity=Severity.WARN))
    return out


def duplicate_details(facts: ApplicationFacts, app_id: int) -> list[tuple[int, str]]:
    """For the center: (other application, the pair in words) for each other unit's competing one.

    The wording depends only on the pair (ids in order, their units), so checking either
    application of the pair, or checking again, gives the same sentence.
    """
    out = []
    for o in facts.others_same_year:
        if o.state in NOT_COMPETING or o.unit_code == facts.unit_code:
            continue
        (a, ua), (b, ub) = sorted([(app_id, facts.unit_code), (o.id, o.unit_code)])
        out.append((o.id, f"同一申报人同一年度有两份申报：申报{a}（单位{ua}）与申报{b}（单位{ub}），"
                          "分属不同单位；请中心核实申报人的实际工作单位后决定受理哪一份"))
    return out
