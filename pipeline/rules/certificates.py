"""The OCR cross-checks (docs/reference.md §3): what each certificate shows against what the roster declares.

`ocr.name_mismatch`, `ocr.id_mismatch` and `ocr.unreadable`, the 认定单's hours and year against the
roster, and the structure of the 毕业证书 / 学位证书 numbers against the declared level and year.

OCR noise must not raise false alarms, so the comparisons tolerate what OCR does (spaces inside a
name, full-width digits, a character read as a similar-looking one, one digit of an ID number read as
a similar digit when the check digit proves it a misreading), and never accept a different name: a
different surname, a dropped or an extra character.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.documents.fields import (
    FIELD_LABELS,
    CertificateFields,
    count_cjk,
    missing_fields,
    normalize_ocr_text,
    shown_id_numbers,
)
from pipeline.domain.findings import Finding, Severity
from pipeline.domain.identity import id_check_digit
from pipeline.domain.materials import CERTIFICATE_KINDS, MaterialKind
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.identity_match import DIGIT_CONFUSIONS, id_matches
from pipeline.rules.names import SURNAME_STARTS, name_chars, names_match
from pipeline.rules.readings import DIFFERS, FieldJudgement, judge_fields

# Below either of these a certificate's text is not usable (ocr.unreadable).
MIN_CJK_CHARS = 10
MIN_CONFIDENCE = 0.3

# --- the checks ---------------------------------------------------------------------------------

# 毕业证书 number: digits 11-12 are the level of study; 学位证书 number: digit 6 is the degree.
DIPLOMA_LEVELS = {"01": "博士研究生", "02": "硕士研究生", "05": "大学本科", "06": "大学专科"}
DEGREE_LEVELS = {"2": "博士", "3": "硕士", "4": "学士"}
_LEVEL_WORDS = {"博士研究生": "博士研究生", "硕士研究生": "硕士研究生", "大学本科": "本科", "大学专科": "专科"}

_RETRY = "请确认上传的是本人的证书；若是本人证书，请重新上传清晰、端正、完整的图片"


def _hours(v: float) -> str:
    return f"{v:g}"


def _date_text(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _unreadable(label: str, kind: MaterialKind, fields: CertificateFields, cjk: int) -> Finding:
    if cjk < MIN_CJK_CHARS:
        what = "没有识别出文字" if cjk == 0 else f"只识别出{cjk}个汉字"
        message = f"{label}{what}，无法核对其内容；请重新上传清晰、端正、完整的证书图片"
    else:
        missing = "、".join(FIELD_LABELS.get(f, f) for f in missing_fields(kind, fields))
        message = (f"{label}识别不完整：未能读出{missing}（识别完整度{fields.confidence:.0%}），"
                   "无法核对其内容；请重新上传清晰、端正、完整的证书图片")
    return Finding("ocr.unreadable", message, label)


def _name_findings(label: str, fields: CertificateFields, text: str, declared: DeclaredFacts,
                   unreadable: bool, id_confirmed: bool, ids_shown: bool) -> list[Finding]:
    if not name_chars(declared.name):
        return []
    shown = fields.name
    # A name read beside its label (姓名, 学生 ...) that is not the applicant's, a character short or
    # one too many included: the certificate names someone else, whatever else its text holds (the
    # applicant's name as the school head's, a matching ID number). It must look like a name (start
    # with a common surname or the applicant's own), so that a label's stray words never count.
    if shown and (shown[0] in SURNAME_STARTS or shown[0] == name_chars(declared.name)[0]) \
            and not names_match(declared.name, shown):
        if not fields.trusted("name"):
            return []  # another name, but read unsure: said as 未能可靠识别, never a mismatch
        message = (f"{label}上的姓名为“{shown}”，与花名册中的姓名“{declared.name}”不一致；{_RETRY}")
        return [Finding("ocr.name_mismatch", message, label)]
    if names_match(declared.name, text):
        return []
    if unreadable:
        return []  # ocr.unreadable already says the text cannot be checked
    if id_confirmed:
        message = (f"{label}上的身份证号与花名册一致，但未识别出姓名“{declared.name}”"
                   "（可能是图片不清晰），请审核人员核对原件")
        return [Finding("ocr.name_unread", message, label, Severity.INFO)]
    if not shown and not ids_shown:
        # Neither a name nor an ID number could be read: the part of the certificate that says
        # whose it is was lost to OCR, which is not the same as showing someone else.
        message = (f"{label}上未能识别出姓名和身份证号（花名册姓名为“{declared.name}”），无法确认是否为"
                   f"本人证书；{_RETRY}")
        return [Finding("ocr.unreadable", message, label)]
    seen = f"（识别出的姓名为“{shown}”）" if shown else ""
    message = f"{label}上没有找到花名册中的姓名“{declared.name}”{seen}；{_RETRY}"
    return [Finding("ocr.name_mismatch", message, label)]


def _judged_findings(label: str, judged: list[FieldJudgement]) -> list[Finding]:
    """The findings of trusted readings that differ from the roster: hours, the 认定年度, dates."""
    differs = {j.field: j for j in judged if j.status == DIFFERS}
    out: list[Finding] = []
    problems = []
    for key, name in (("ce_total_hours", "合计"), ("ce_public_hours", "公需科目"),
                      ("ce_professional_hours", "专业科目")):
        j = differs.get(key)
        if j is not None:
            what = "继续教育学时" if key == "ce_total_hours" else f"{name}学时"
            problems.append(f"{name}{j.read}学时，花名册填报的{what}为{j.declared}学时")
    if problems:
        message = f"{label}显示" + "；".join(problems) + "，两者不一致；请核对花名册或认定单"
        out.append(Finding("ce_hours.mismatch", message, label, Severity.WARN))
    year = differs.get("ce_year")
    if year is not None:
        applied = int(year.declared) + 1
        message = (f"{label}的认定年度为{year.read}年度，花名册申报年度为{applied}年，"
                   f"应提交{year.declared}年度的继续教育学时认定单；请核对")
        out.append(Finding("ce_hours.year_mismatch", message, label, Severity.WARN))
    for key in ("graduation", "title_approval"):
        j = differs.get(key)
        if j is not None:
            message = (f"{label}上的{j.label}为{_iso_text(j.read)}，花名册填报的为{_iso_text(j.declared)}，"
                       "两者不一致；请核对花名册或证书")
            out.append(Finding("certificate.date_mismatch", message, label, Severity.WARN))
    return out


def _iso_text(value: str) -> str:
    """2005-06-30 as 2005年6月30日 (2018-11 as 2018年11月)."""
    parts = [int(p) for p in value.split("-") if p.isdigit()]
    return "".join(f"{v}{unit}" for v, unit in zip(parts, ("年", "月", "日")))


def _one_confusion_apart(a: str, b: str) -> bool:
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    return len(a) == len(b) and len(diff) == 1 and \
        frozenset((a[diff[0]], b[diff[0]])) in DIGIT_CONFUSIONS


def _year_finding(label: str, number: str, year_digits: str, fields: CertificateFields,
                  date_key: str, declared: DeclaredFacts, what: str) -> Finding | None:
    grad = declared.graduation_date
    if grad is None or int(year_digits) == grad.year:
        return None
    printed = fields.dates.get(date_key)
    if printed is not None and printed.year == grad.year \
            and _one_confusion_apart(year_digits, str(grad.year)):
        return None  # one digit misread in the number; the certificate's own date agrees
    message = (f"{label}编号“{number}”第7-10位显示{what}年份为{year_digits}年，花名册填报的毕业时间为"
               f"{_date_text(grad)}，两者不一致；请核对花名册或证书")
    return Finding("certificate.number_mismatch", message, label, Severity.WARN)


def _number_findings(kind: MaterialKind, label: str, fields: CertificateFields,
                     declared: DeclaredFacts) -> list[Finding]:
    number = fields.certificate_number or ""
    if not fields.trusted("certificate_number"):
        return []  # an unsure number's digits say nothing about the level or the year
    out: list[Finding | None] = []
    if kind is MaterialKind.DIPLOMA and len(number) == 18 and number.isdigit():
        out.append(_year_finding(label, number, number[6:10], fields, "graduation", declared, "毕业"))
        level = DIPLOMA_LEVELS.get(number[10:12])
        if level and declared.education in DIPLOMA_LEVELS.values() and level != declared.education:
            message = (f"{label}编号“{number}”第11-12位“{number[10:12]}”表示{_LEVEL_WORDS[level]}层次，"
                       f"花名册填报的最高学历为{declared.education}，两者不一致；"
                       "请核对花名册或上传最高学历的毕业证书")
            out.append(Finding("certificate.number_mismatch", message, label, Severity.WARN))
    elif kind is MaterialKind.DEGREE_CERT and len(number) == 16 and number.isdigit():
        out.append(_year_finding(label, number, number[6:10], fields, "degree_award", declared, "授予"))
        degree = DEGREE_LEVELS.get(number[5])
        if degree and declared.degree in DEGREE_LEVELS.values() and degree != declared.degree:
            message = (f"{label}编号“{number}”第6位“{number[5]}”表示{degree}学位，"
                       f"花名册填报的最高学位为{declared.degree}，两者不一致；"
                       "请核对花名册或上传最高学位的学位证书")
            out.append(Finding("certificate.number_mismatch", message, label, Severity.WARN))
    return [f for f in out if f is not None]


def cross_check(kind: MaterialKind, fields: CertificateFields, text: str | None,
                declared: DeclaredFacts, *, material: str | None = None) -> list[Finding]:
    """The findings of one certificate's OCR text and fields against the roster's facts.

    `material` names the file in the messages (default: the kind, e.g. 学历证书). Kinds that are
    not certificates (业绩材料, 述职报告 ...) have nothing to check here and give no findings.
    """
    return check_certificate(kind, fields, text, declared, material=material)[0]


def check_certificate(kind: MaterialKind, fields: CertificateFields, text: str | None,
                      declared: DeclaredFacts, *, material: str | None = None
                      ) -> tuple[list[Finding], list[FieldJudgement]]:
    """The findings of one certificate against the roster, and the judgement of each field read
    (what the packet, `apps show` and the API show). A mismatch is raised on trusted readings only."""
    if kind not in CERTIFICATE_KINDS:
        return [], []
    label = material or kind.value
    text = text or ""
    normalized = normalize_ocr_text(text)
    cjk = count_cjk(normalized)
    unreadable = cjk < MIN_CJK_CHARS or fields.confidence < MIN_CONFIDENCE
    findings: list[Finding] = []
    if unreadable:
        findings.append(_unreadable(label, kind, fields, cjk))

    id_confirmed = False
    candidates = shown_id_numbers(kind, normalized, fields.certificate_number, normalized=True)
    shown = [c.value for c in candidates]
    if fields.id_number and fields.id_number not in shown:
        shown.append(fields.id_number)
    id_mismatch = False
    if declared.id_number:
        id_confirmed = any(id_matches(declared.id_number, s) for s in shown)
        # another person's number is a real number: its check digit holds (a misreading's seldom)
        trusted_other = [s for s in shown if _check_digit_ok(s)]
        if trusted_other and not id_confirmed:
            id_mismatch = True
            others = "、".join(f"“{s}”" for s in dict.fromkeys(shown))
            message = (f"{label}上的身份证号为{others}，与花名册中的身份证号“{declared.id_number}”"
                       f"不一致；{_RETRY}")
            findings.append(Finding("ocr.id_mismatch", message, label))

    named = _name_findings(label, fields, text, declared, unreadable, id_confirmed, bool(shown))
    findings += named
    name_mismatch = any(f.rule == "ocr.name_mismatch" for f in named)
    name_shown: bool | None = False if name_mismatch else (
        True if name_chars(declared.name) and names_match(declared.name, text) else None)
    id_shown: bool | None = False if id_mismatch else (True if id_confirmed else None)
    judged = judge_fields(kind, fields, declared, label, name_shown=name_shown, id_shown=id_shown)
    findings += _judged_findings(label, judged)
    findings += _number_findings(kind, label, fields, declared)
    return findings, judged


def _check_digit_ok(value: str) -> bool:
    v = value.upper()
    return bool(re.fullmatch(r"[0-9]{17}[0-9X]", v)) and id_check_digit(v[:17]) == v[17]
