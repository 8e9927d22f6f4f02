"""The OCR cross-checks (CONTRACTS §3): what each certificate shows against what the roster declares.

`ocr.name_mismatch`, `ocr.id_mismatch` and `ocr.unreadable`, the 认定单's hours and year against the
roster, and the structure of the 毕业证书 / 学位证书 numbers against the declared level and year.

OCR noise must not raise false alarms, so the comparisons tolerate what OCR does (spaces inside a
name, full-width digits, a character read as a similar-looking one, one digit of an ID number read as
a similar digit when the check digit proves it a misreading), and never accept a different name: a
different surname, a dropped or an extra character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from pipeline.domain.findings import Finding, Severity
from pipeline.domain.identity import halfwidth, id_check_digit
from pipeline.domain.materials import CERTIFICATE_KINDS, MaterialKind
from pipeline.documents.ocr_fields import (
    CJK,
    FIELD_LABELS,
    CertificateFields,
    count_cjk,
    missing_fields,
    normalize_ocr_text,
    shown_id_numbers,
)

# Below either of these a certificate's text is not usable (ocr.unreadable).
MIN_CJK_CHARS = 10
MIN_CONFIDENCE = 0.3

# --- names --------------------------------------------------------------------------------------

# Groups of CJK characters that look alike and that OCR takes for one another; each character may
# be read as any other of its group.
CONFUSABLE_GROUPS: tuple[str, ...] = (
    "己已巳", "未末", "土士", "千干于", "人入八", "王玉主壬", "日曰", "天夭", "大太犬丈", "刀力",
    "田由甲申", "贝见", "毛手", "戊戌戍", "今令", "休体", "免兔", "候侯", "鸟乌", "鸣呜", "晴睛",
    "崇祟", "冶治", "准淮", "佳住", "折析", "兵乒乓", "辨辩辫", "拔拨", "历厉", "采釆", "斤斥",
    "儿几", "木本术", "子孑", "宇字", "明朋", "思恩", "英荚", "春舂", "永水", "午牛", "帅师",
    "白自", "贞员", "余佘", "宫官", "巨臣", "国囯", "玲伶", "峰锋", "凤风", "亨享", "杨扬",
)
CONFUSABLE: dict[str, frozenset[str]] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        CONFUSABLE[_ch] = CONFUSABLE.get(_ch, frozenset()) | frozenset(_group.replace(_ch, ""))

# A left-right character that OCR may read as its two halves: 明 -> 日月.
SPLITS: dict[str, str] = {
    "明": "日月", "林": "木木", "好": "女子", "鹏": "朋鸟", "娟": "女肙", "婷": "女亭", "妍": "女开",
    "姗": "女册", "炜": "火韦", "晖": "日军", "琳": "王林", "玲": "王令", "湘": "氵相", "江": "氵工",
    "沙": "氵少", "洋": "氵羊", "松": "木公", "柏": "木白", "桦": "木华", "彬": "林彡", "妙": "女少",
    "姚": "女兆", "娇": "女乔", "帆": "巾凡", "旺": "日王", "昕": "日斤", "晴": "日青", "孙": "子小",
    "敏": "每攵", "颖": "匕页",
}

# Common surnames: a surname is never accepted as a misreading of another one (田 / 申 are both
# surnames, so a 申 on the certificate is not the applicant 田).
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤颜易伍符申文阳常康洪施牛聂章葛欧"
)
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "申屠", "闻人",
})

_SURNAME_STARTS = COMMON_SURNAMES | {s[0] for s in COMPOUND_SURNAMES}
_GAP_CHARS = frozenset(" \u3000")
_DOTS = frozenset("·•・.")
_CJK_RE = re.compile(f"[{CJK}]")
# What may stand right before a name without a space: a label.
_NAME_PREFIXES = ("姓名", "名", "学生", "研究生", "证明", "兹有", "持证人", "同志", "申请人", "申报人",
                  "本人", "学员")
# What may follow a name without a space: a label or a word of the sentence around it.
_NAME_FOLLOWERS = ("同志", "同学", "先生", "女士", "性别", "性", "身份", "公民", "出生", "生于", "于",
                   "在", "为", "系", "是", "的", "自", "从", "现", "已", "经", "学号", "民族", "籍贯",
                   "工作", "单位", "专业", "职务", "证书", "编号", "参加", "获得", "具备", "完成", "同",
                   "等", "所", "因")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", halfwidth(text or ""))


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.fullmatch(ch))


def _name_chars(declared: str) -> str:
    return "".join(ch for ch in _clean(declared) if not ch.isspace() and ch not in _DOTS)


def _walk(text: str, pos: int, name: str, k: int, used: int, limit: int,
          surname_len: int) -> Iterator[int]:
    """End positions of `name[k:]` matched in `text` from `pos`, with at most `limit` confusions."""
    if k == len(name):
        yield pos
        return
    if k > 0:  # spaces (up to 3) and one dot may sit between the characters of a name
        gap = 0
        while pos < len(text) and text[pos] in _GAP_CHARS and gap < 3:
            pos, gap = pos + 1, gap + 1
        if pos < len(text) and text[pos] in _DOTS:
            pos += 1
            while pos < len(text) and text[pos] in _GAP_CHARS:
                pos += 1
    if pos >= len(text):
        return
    c, t = name[k], text[pos]
    if t == c:
        yield from _walk(text, pos + 1, name, k + 1, used, limit, surname_len)
        return
    if used >= limit:
        return
    if t in CONFUSABLE.get(c, ()) and not (k < surname_len and t in COMMON_SURNAMES):
        yield from _walk(text, pos + 1, name, k + 1, used + 1, limit, surname_len)
    halves = SPLITS.get(c)
    if halves and text.startswith(halves[0], pos):
        nxt = pos + 1
        if nxt < len(text) and text[nxt] == " ":
            nxt += 1
        if text.startswith(halves[1], nxt):
            yield from _walk(text, nxt + 1, name, k + 1, used + 1, limit, surname_len)


def _cjk_word_before(text: str, end: int, most: int = 4) -> str:
    """The CJK characters right before `end` (at most `most`: enough for every label)."""
    start = end
    while start > 0 and end - start < most and _is_cjk(text[start - 1]):
        start -= 1
    return text[start:end]


def _cjk_word_after(text: str, start: int, most: int = 4) -> str:
    end = start
    while end < len(text) and end - start < most and _is_cjk(text[end]):
        end += 1
    return text[start:end]


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether the match stands as a whole name: no character of another name glued to it."""
    # before
    j, spaces = start, 0
    while j > 0 and text[j - 1] in _GAP_CHARS:
        j, spaces = j - 1, spaces + 1
    if j > 0 and spaces < 2 and _is_cjk(text[j - 1]):
        word = _cjk_word_before(text, j)
        if spaces == 0 and not word.endswith(_NAME_PREFIXES):
            return False
        if spaces == 1 and len(word) == 1 and word in COMMON_SURNAMES:
            return False
    # after
    j, spaces = end, 0
    while j < len(text) and text[j] in _GAP_CHARS:
        j, spaces = j + 1, spaces + 1
    if j < len(text) and spaces < 2 and _is_cjk(text[j]):
        word = _cjk_word_after(text, j)
        if spaces == 0 and not word.startswith(_NAME_FOLLOWERS):
            return False
        if spaces == 1 and len(word) == 1 and word not in _NAME_FOLLOWERS:
            return False
    return True


# Longer than this, a "name" is compared exactly (no look-alikes): no person's name is that long.
_LONGEST_NAME = 12


def names_match(declared: str, seen_text: str) -> bool:
    """Whether `seen_text` (a certificate's OCR text, or a name read from it) shows the name
    `declared`, allowing for OCR: spaces or a dot between its characters, full-width forms, one
    character read as a similar-looking one (two in names of four or more characters; never a
    surname read as another common surname), a left-right character read as its two halves.
    A different name is never accepted: the name must stand whole, not glued to another character
    that would make it a longer name (王伟 is not shown by 王伟华)."""
    name = _name_chars(declared or "")
    text = _clean(seen_text or "")
    if len(name) < 2 or len(text) < 2:
        return False
    if len(name) > _LONGEST_NAME:
        return name in "".join(text.split())
    limit = 1 if len(name) <= 3 else 2
    surname_len = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    first_ok = {name[0]} | CONFUSABLE.get(name[0], frozenset()) | {SPLITS.get(name[0], " ")[0]}
    for start, ch in enumerate(text):
        if ch not in first_ok:
            continue
        for end in _walk(text, start, name, 0, 0, limit, surname_len):
            if _bounded(text, start, end):
                return True
    return False


# --- ID numbers ---------------------------------------------------------------------------------

# Digits OCR takes for one another in printed text.
DIGIT_CONFUSIONS = frozenset(
    frozenset(pair) for pair in ("06", "08", "09", "17", "38", "56", "68", "89", "49")
)
_ID_LETTERS = str.maketrans("OoIlSBZz", "00115822")


def _normalize_id(value: str) -> str:
    v = "".join(_clean(value).split()).replace("×", "X")
    if len(v) == 18:
        v = v[:17].translate(_ID_LETTERS) + v[17]
    return v.upper()


def _valid(v: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{17}[0-9X]", v)) and id_check_digit(v[:17]) == v[17]


def id_matches(declared: str, seen: str | None) -> bool:
    """Whether the ID number read from a certificate is the declared one: full-width digits, spaces,
    a lower-case x and letters read for digits are forgiven, and one digit read as a similar-looking
    digit (3/8, 1/7, 0/6/8/9 ...) when putting the declared digit back makes the check digit right
    (a real, different ID number always has a right check digit, a misreading never does)."""
    if not declared or not seen:
        return False
    d, s = _normalize_id(declared), _normalize_id(seen)
    if d == s:
        return True
    if len(d) != 18 or len(s) != 18 or not _valid(d) or _valid(s):
        return False
    diff = [i for i in range(18) if d[i] != s[i]]
    return len(diff) == 1 and frozenset((d[diff[0]], s[diff[0]])) in DIGIT_CONFUSIONS


# --- the roster's side ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DeclaredFacts:
    """What the roster says about the applicant, as far as the certificates can show it."""

    name: str
    id_number: str
    level: str | None = None                  # 申报级别
    education: str | None = None              # 最高学历: 大学本科, 硕士研究生 ...
    degree: str | None = None                 # 最高学位: 学士, 硕士, 博士, 无
    graduation_date: date | None = None
    year: int | None = None                   # 申报年度
    ce_hours: float | None = None
    ce_public_hours: float | None = None
    ce_professional_hours: float | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> DeclaredFacts:
        """From a roster row's typed values (`pipeline.roster.fields.parse_fields(...).values`)."""
        def number(key: str) -> float | None:
            v = values.get(key)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        def text(key: str) -> str | None:
            v = values.get(key)
            return str(v) if v not in (None, "") else None

        grad = values.get("graduation_date")
        year = values.get("year")
        return cls(
            name=text("name") or "", id_number=text("id_number") or "", level=text("level"),
            education=text("education"), degree=text("degree"),
            graduation_date=grad if isinstance(grad, date) else None,
            year=int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None,
            ce_hours=number("ce_hours"), ce_public_hours=number("ce_public_hours"),
            ce_professional_hours=number("ce_professional_hours"),
        )


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
    if not _name_chars(declared.name):
        return []
    shown = fields.name
    # A name read beside its label (姓名, 学生 ...) that is not the applicant's, a character short or
    # one too many included: the certificate names someone else, whatever else its text holds (the
    # applicant's name as the school head's, a matching ID number). It must look like a name (start
    # with a common surname or the applicant's own), so that a label's stray words never count.
    if shown and (shown[0] in _SURNAME_STARTS or shown[0] == _name_chars(declared.name)[0]) \
            and not names_match(declared.name, shown):
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


def _ce_findings(label: str, fields: CertificateFields, declared: DeclaredFacts) -> list[Finding]:
    out: list[Finding] = []
    public, professional = fields.ce_public_hours, fields.ce_professional_hours
    total = fields.ce_total_hours
    if total is None and public is not None and professional is not None:
        total = public + professional
    problems: list[str] = []
    if total is not None and declared.ce_hours is not None and abs(total - declared.ce_hours) > 0.01:
        problems.append(f"合计{_hours(total)}学时，花名册填报的继续教育学时为{_hours(declared.ce_hours)}学时")
    # The breakdown is compared only when it adds up to the total read: a cell OCR lost or shifted
    # would otherwise put one subject's hours under the other's label.
    if public is not None and professional is not None and total is not None \
            and abs(public + professional - total) <= 0.01:
        for value, roster, name in ((public, declared.ce_public_hours, "公需科目"),
                                    (professional, declared.ce_professional_hours, "专业科目")):
            if roster is not None and abs(value - roster) > 0.01:
                problems.append(f"{name}{_hours(value)}学时，花名册填报的{name}学时为{_hours(roster)}学时")
    if problems:
        message = f"{label}显示" + "；".join(problems) + "，两者不一致；请核对花名册或认定单"
        out.append(Finding("ce_hours.mismatch", message, label, Severity.WARN))
    if fields.ce_year is not None and declared.year is not None and fields.ce_year != declared.year - 1:
        message = (f"{label}的认定年度为{fields.ce_year}年度，花名册申报年度为{declared.year}年，"
                   f"应提交{declared.year - 1}年度的继续教育学时认定单；请核对")
        out.append(Finding("ce_hours.year_mismatch", message, label, Severity.WARN))
    return out


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
    if kind not in CERTIFICATE_KINDS:
        return []
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
    if declared.id_number:
        id_confirmed = any(id_matches(declared.id_number, s) for s in shown)
        if shown and not id_confirmed:
            others = "、".join(f"“{s}”" for s in dict.fromkeys(shown))
            message = (f"{label}上的身份证号为{others}，与花名册中的身份证号“{declared.id_number}”"
                       f"不一致；{_RETRY}")
            findings.append(Finding("ocr.id_mismatch", message, label))

    findings += _name_findings(label, fields, text, declared, unreadable, id_confirmed, bool(shown))
    if kind is MaterialKind.CE_RECORD:
        findings += _ce_findings(label, fields, declared)
    findings += _number_findings(kind, label, fields, declared)
    return findings
