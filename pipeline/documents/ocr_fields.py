"""What a certificate says, read from its OCR text: name, ID number, certificate number, dates, and
on the 继续教育学时认定单 the year and the hours.

Pure functions over text (no OCR engine here). The text may be noisy the way OCR output is: spaces
inside Chinese words and names (`张 三`), full-width digits and punctuation, `O`/`l`/`I`/`S`/`B`/`Z`
read inside numbers, labels and values split into separate columns, Chinese-numeral dates
(`二〇一七年六月`, `二零一七年`, `O` read for `〇`). Nothing here raises on any text: a field that
cannot be read is None (or absent from `dates`), and `confidence` says how many of the fields
expected on that kind of certificate were found.

Date keys: `graduation`, `degree_award`, `title_approval`, `birth`, `study_start`, `study_end`,
`issue` (and `valid_from` / `valid_until` on an ID card). A date written with a month but no day
means the 1st of that month (as in the roster, CONTRACTS §1c); a year alone (`二零一七年`) is kept only
when a label says what it is, as 1 January, and `date_precision` says so (`day`, `month`, `year`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pipeline.domain.identity import halfwidth, id_check_digit
from pipeline.domain.materials import MaterialKind

# --- characters ---------------------------------------------------------------------------------

# CJK ideographs (basic block, extension A) and 〇, as a regex class body.
CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{CJK}]")
# Up to two blank lines between a label and its value (some page-segmentation modes add them).
_BLANK_LINES = r"(?:\n[ ]*){0,3}"
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
# One or two spaces between two CJK characters are OCR's, not the document's: 张 三 -> 张三. Longer
# gaps separate columns and are kept.
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}])[ ]{{1,2}}(?=[{CJK}])")

# Letters OCR reads for digits; replaced only inside a run that is mostly digits.
_LETTER_DIGITS = str.maketrans("OoIlSBZz", "00115822")
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9OoIlSBZz]++(?![A-WYZa-wyz])")
_ASCII_DIGITS = frozenset("0123456789")


def count_cjk(text: str | None) -> int:
    """How many CJK characters the text holds."""
    return len(_CJK_CHAR.findall(text or ""))


def _fix_digit_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = sum(ch in _ASCII_DIGITS for ch in run)
    letters = len(run) - digits
    if letters == 0 or digits < 2 or letters > max(1, len(run) // 3):
        return run
    return run.translate(_LETTER_DIGITS)


def normalize_ocr_text(text: str | None) -> str:
    """The OCR text with full-width forms made ASCII (NFKC), OCR's letter-for-digit confusions
    fixed inside digit runs (`2O13` -> `2013`), and short spaces between CJK characters removed."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", halfwidth(str(text)))
    t = _ZERO_WIDTH.sub("", t)
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    t = _DIGIT_RUN.sub(_fix_digit_run, t)
    return _SPACE_BETWEEN_CJK.sub("", t)


# --- the fields ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateFields:
    """The fields read from one certificate's OCR text; None (or no key) where not found."""

    name: str | None = None
    id_number: str | None = None
    certificate_number: str | None = None
    dates: dict[str, date] = field(default_factory=dict)
    ce_year: int | None = None
    ce_public_hours: float | None = None
    ce_professional_hours: float | None = None
    ce_total_hours: float | None = None
    confidence: float = 0.0   # the share (0..1) of the fields expected on this kind that were found
    date_precision: dict[str, str] = field(default_factory=dict)  # key -> day / month / year

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON-ready values (dates as ISO strings), to store with the material."""
        return {
            "name": self.name, "id_number": self.id_number,
            "certificate_number": self.certificate_number,
            "dates": {k: v.isoformat() for k, v in self.dates.items()},
            "date_precision": dict(self.date_precision),
            "ce_year": self.ce_year, "ce_public_hours": self.ce_public_hours,
            "ce_professional_hours": self.ce_professional_hours,
            "ce_total_hours": self.ce_total_hours, "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificateFields:
        """The fields back from `to_json`'s dictionary."""
        return cls(
            name=data.get("name"), id_number=data.get("id_number"),
            certificate_number=data.get("certificate_number"),
            dates={k: date.fromisoformat(v) for k, v in (data.get("dates") or {}).items()},
            ce_year=data.get("ce_year"), ce_public_hours=data.get("ce_public_hours"),
            ce_professional_hours=data.get("ce_professional_hours"),
            ce_total_hours=data.get("ce_total_hours"),
            confidence=float(data.get("confidence") or 0.0),
            date_precision=dict(data.get("date_precision") or {}),
        )


# The fields each kind of certificate prints; `confidence` is the share of them found.
EXPECTED_FIELDS: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind.DIPLOMA: ("name", "certificate_number", "graduation"),
    MaterialKind.DEGREE_CERT: ("name", "certificate_number", "degree_award"),
    MaterialKind.TITLE_CERT: ("name", "id_number", "certificate_number", "title_approval"),
    MaterialKind.CE_RECORD: ("name", "id_number", "ce_year", "ce_public_hours",
                             "ce_professional_hours", "ce_total_hours"),
    MaterialKind.ID_CARD: ("name", "id_number", "birth"),
}
_DEFAULT_EXPECTED = ("name",)

# Human names of the fields, for messages.
FIELD_LABELS: dict[str, str] = {
    "name": "姓名", "id_number": "身份证号", "certificate_number": "证书编号",
    "graduation": "毕业时间", "degree_award": "学位授予时间", "title_approval": "批准（评审通过）时间",
    "birth": "出生日期", "issue": "发证时间", "ce_year": "认定年度", "ce_public_hours": "公需科目学时",
    "ce_professional_hours": "专业科目学时", "ce_total_hours": "合计学时",
}


# --- dates --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FoundDate:
    """A date in the text, where it is, and which date a label near it says it is (None: unknown)."""

    value: date
    precision: str      # day / month / year
    start: int
    end: int
    key: str | None


_DAYISH = r"[0-9OoIl|\]]"    # a digit of a month or day, as OCR may read it
_DAYISH_FIX = str.maketrans("OoIl|]", "001111")
_NUMERIC_DATE = re.compile(
    r"(?<![0-9])(?P<y>[12](?:\s?[0-9OoIl|\]]){3})\s*(?:"
    rf"年\s*(?P<m1>{_DAYISH}(?:[ ]?{_DAYISH})?)\s*月(?:\s*(?P<d1>{_DAYISH}(?:[ ]?{_DAYISH})?)\s*[日号])?"
    r"|(?P<sep>[.\-/])\s?(?P<m2>[0-9]{1,2})(?:\s?(?P=sep)\s?(?P<d2>[0-9]{1,2}))?(?![0-9])"
    r"|年(?![度0-9OoIl|\]]))"
)
_CN_ZERO = "〇零○OoΟ0"
_CN_YEAR_DIGIT = f"[{_CN_ZERO}一二三四五六七八九]"
_CN_SMALL = "[元正一二三四五六七八九十廿卅]"
_CN_DATE = re.compile(
    rf"(?<![{_CN_ZERO}一二三四五六七八九十])(?P<y>{_CN_YEAR_DIGIT}(?:\s?{_CN_YEAR_DIGIT}){{3}})\s*年"
    rf"(?:\s*(?P<m>{_CN_SMALL}{{1,2}})\s*月(?:\s*(?P<d>{_CN_SMALL}{{1,3}})\s*[日号])?)?"
    r"(?!度)"
)
_CN_VALUES = {ch: 0 for ch in _CN_ZERO} | {ch: i + 1 for i, ch in enumerate("一二三四五六七八九")}


def _cn_small_number(text: str) -> int | None:
    """1 to 31 in Chinese numerals (三, 十, 十二, 二十, 廿一, 三十一); None for anything else."""
    text = text.replace("廿", "二十").replace("卅", "三十")
    if text in ("元", "正"):
        return 1
    if "十" not in text:
        return _CN_VALUES.get(text) if len(text) == 1 and _CN_VALUES.get(text) else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones or tens == "一":
        return None  # 一十 is not how a date writes 10: a misread 二十 or 三十
    t = 1 if tens == "" else _CN_VALUES.get(tens)
    o = 0 if ones == "" else _CN_VALUES.get(ones)
    if not t or o is None or (ones and o == 0):
        return None
    return t * 10 + o


def _make_date(year: int, month: int | None, day: int | None) -> tuple[date, str] | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        if month is None:
            return date(year, 1, 1), "year"
        if day is None:
            return date(year, month, 1), "month"
        return date(year, month, day), "day"
    except ValueError:
        return None


def _ocr_number(text: str) -> int | None:
    """A month or day as OCR read it: `]` or `|` alone is a 1; beside real digits it is noise."""
    text = text.replace(" ", "")
    if any(ch in _ASCII_DIGITS for ch in text):
        text = text.replace("]", "").replace("|", "")
    text = text.translate(_DAYISH_FIX)
    return int(text) if text.isdigit() else None


def _numeric_match(m: re.Match[str]) -> tuple[date, str] | None:
    year_text = re.sub(r"\s", "", m.group("y"))
    if sum(ch in _ASCII_DIGITS for ch in year_text) < 3:
        return None  # one misread character in a year at most: 201] is 2011, 2OlO is nothing
    year = int(year_text.translate(_DAYISH_FIX))
    month_text = m.group("m1") or m.group("m2")
    day_text = m.group("d1") or m.group("d2")
    if month_text is None:
        return _make_date(year, None, None)
    month, day = _ocr_number(month_text), _ocr_number(day_text) if day_text else None
    if month is None:
        return None
    return _make_date(year, month, day) or _make_date(year, month, None)


def _cn_match(m: re.Match[str]) -> tuple[date, str] | None:
    year_text = re.sub(r"\s", "", m.group("y"))
    # At least two real Chinese numerals, so that no run of ASCII zeros and O's is taken for a year.
    if sum(ch in "〇零一二三四五六七八九" for ch in year_text) < 2:
        return None
    year = int("".join(str(_CN_VALUES[ch]) for ch in year_text))
    if m.group("m") is None:
        return _make_date(year, None, None)
    month = _cn_small_number(m.group("m"))
    if month is None or month > 12:
        return None
    day = _cn_small_number(m.group("d")) if m.group("d") is not None else None
    # A day that cannot be read leaves the month, which is still what the certificate says.
    return _make_date(year, month, day) or _make_date(year, month, None)


# Labels before a date (the same line, since the previous date), most specific first.
_BEFORE_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("birth", re.compile(r"(出生日期|出生年月日?|出生时间|出生于?|生日)$")),
    ("graduation", re.compile(r"毕业")),
    ("degree_award", re.compile(r"授予|授位")),
    ("title_approval", re.compile(r"批准|评审通过|通过时间|通过日期|取得|评定|评审时间|评审日期|任职资格")),
    ("issue", re.compile(r"发证|签发|颁发|填发|制证|认定日期|认定时间")),
)
_RANGE_CONNECTOR = re.compile(r"\s*(?:至|到|起至|—+|-+|~|～|－)\s*")
_LABEL_NOISE = re.compile(r"[\s:：()（）\[\]【】|,，、.。]+")


def find_dates(text: str | None, *, normalized: bool = False) -> list[FoundDate]:
    """Every date in the text (numeric and Chinese-numeral), in order, each with the key a label
    near it gives (birth by 生 after it, a 至 range as study start and end, 毕业, 授予, 批准 ...)."""
    t = (text or "") if normalized else normalize_ocr_text(text)
    raw: list[tuple[int, int, date, str]] = []
    for pattern, convert in ((_NUMERIC_DATE, _numeric_match), (_CN_DATE, _cn_match)):
        for m in pattern.finditer(t):
            made = convert(m)
            if made is not None:
                raw.append((m.start(), m.end(), made[0], made[1]))
    raw.sort()
    found: list[FoundDate] = []
    previous_end = 0
    for i, (start, end, value, precision) in enumerate(raw):
        line_start = t.rfind("\n", 0, start) + 1
        before = _LABEL_NOISE.sub("", t[max(line_start, previous_end):start])[-10:]
        after = _LABEL_NOISE.sub("", t[end:end + 6].split("\n", 1)[0])
        key: str | None = None
        if after.startswith(("生", "出生")):
            key = "birth"
        else:
            for label_key, pattern in _BEFORE_LABELS:
                if pattern.search(before):
                    key = label_key
                    break
        if key is None and after.startswith("毕业"):
            key = "graduation"
        if key is None and i + 1 < len(raw):
            connector = _RANGE_CONNECTOR.fullmatch(t[end:raw[i + 1][0]])
            if connector is not None and raw[i + 1][0] - end <= 4:
                key = "study_start"
        if key is None and found and found[-1].key == "study_start" and \
                _RANGE_CONNECTOR.fullmatch(t[found[-1].end:start]):
            key = "study_end"
        found.append(FoundDate(value, precision, start, end, key))
        previous_end = end
    return found


def _assign_dates(kind: MaterialKind, found: list[FoundDate]) -> tuple[dict[str, date], dict[str, str]]:
    dates: dict[str, date] = {}
    precision: dict[str, str] = {}

    def put(key: str, d: FoundDate) -> None:
        if key not in dates:
            dates[key] = d.value
            precision[key] = d.precision

    rename: dict[str, str] = {}
    if kind is MaterialKind.ID_CARD:  # an ID card's range is its validity, not a course of study
        rename = {"study_start": "valid_from", "study_end": "valid_until"}
    for d in found:
        if d.key is not None:
            put(rename.get(d.key, d.key), d)
    # Dates no label speaks for: the kind says what they are (a year alone never).
    free = [d for d in found if d.key is None and d.precision != "year"]
    if kind is MaterialKind.DIPLOMA:
        if free:
            put("graduation", max(free, key=lambda d: (d.precision == "day", d.start)))
        elif "study_end" in dates:
            dates.setdefault("graduation", dates["study_end"])
            precision.setdefault("graduation", precision["study_end"])
    elif kind is MaterialKind.DEGREE_CERT and free:
        put("degree_award", max(free, key=lambda d: (d.precision == "day", d.start)))
    elif kind is MaterialKind.TITLE_CERT and free:
        ordered = sorted(free, key=lambda d: d.value)
        if "title_approval" not in dates:
            put("title_approval", ordered.pop(0))
        if ordered:
            put("issue", ordered[-1])
    elif kind is MaterialKind.CE_RECORD and free:
        put("issue", free[-1])
    return dates, precision


# --- ID numbers ---------------------------------------------------------------------------------

_ID_RUN = re.compile(r"(?<![0-9])[1-9](?:[ ]?[0-9]){16}[ ]?[0-9Xx×](?![0-9Xx])")
_ID_LABEL = re.compile(r"身份证|身份号码|证件号|公民身份|身份证件")


@dataclass(frozen=True)
class IdCandidate:
    """An 18-character run shaped like an ID number (after an ID label, or with a real birth date
    in it), and where it is."""

    value: str
    start: int
    end: int
    labeled: bool       # an ID label (身份证号, 公民身份号码 ...) just before it
    check_ok: bool      # the GB 11643 check digit agrees


def _plausible_birth(value: str) -> bool:
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def find_id_candidates(text: str | None, *, normalized: bool = False) -> list[IdCandidate]:
    """Every run of the text shaped like an 18-character ID number, in order."""
    t = (text or "") if normalized else normalize_ocr_text(text)
    out: list[IdCandidate] = []
    for m in _ID_RUN.finditer(t):
        value = m.group(0).replace(" ", "").upper().replace("×", "X")
        window = t[max(0, m.start() - 16):m.start()]
        labeled = bool(_ID_LABEL.search(window))
        if not (labeled or _plausible_birth(value)):
            continue
        out.append(IdCandidate(value, m.start(), m.end(), labeled, id_check_digit(value[:17]) == value[17]))
    return out


def shown_id_numbers(kind: MaterialKind, text: str | None, certificate_number: str | None = None,
                     *, normalized: bool = False) -> list[IdCandidate]:
    """The ID numbers a certificate shows: its ID-shaped runs, less the certificate number; on a
    学历/学位证书 (which seldom print one, and whose own 18-digit number can look like one, check
    digit included) only a run with an ID label before it."""
    t = (text or "") if normalized else normalize_ocr_text(text)
    shown = []
    for c in find_id_candidates(t, normalized=True):
        if certificate_number and c.value == certificate_number and not c.labeled:
            continue
        if kind in (MaterialKind.DIPLOMA, MaterialKind.DEGREE_CERT) and not c.labeled:
            continue  # an unlabeled 18-digit number there is the 毕业证书's own number
        shown.append(c)
    return shown


def _best_id(candidates: list[IdCandidate]) -> str | None:
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: (not c.check_ok, not c.labeled, c.start))
    return ranked[0].value


# --- certificate numbers ------------------------------------------------------------------------

_NUMBER_LABELS: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind.DIPLOMA: ("学历证书编号", "毕业证书编号", "证书编号", "证书号", "证号", "编号", "No"),
    MaterialKind.DEGREE_CERT: ("学位证书编号", "证书编号", "证书号", "证号", "编号", "No"),
    MaterialKind.TITLE_CERT: ("证书编号", "证书号", "证号", "管理号", "编号", "No"),
    MaterialKind.CE_RECORD: ("证书编号", "认定单编号", "编号", "No"),
}
_DIGITS_VALUE = r"(?P<v>[0-9](?:[ ]?[0-9]){5,24})(?![0-9])"
_CODE_VALUE = r"(?P<v>[A-Z]{0,4}[0-9](?:[ ]?[0-9\-]){5,24})(?![0-9])"
_AFTER_LABEL = r"[ ]*[:：.#]?[ ]*\.?[ ]*(?:\n[ ]*){0,3}"


def _label_pattern(label: str, value: str) -> re.Pattern[str]:
    if label == "No":
        return re.compile(r"(?<![A-Za-z])[Nn][Oo]" + _AFTER_LABEL + value)
    spaced = r"[ ]?".join(re.escape(ch) for ch in label)
    # 证号 is no certificate number's label inside 身份证号.
    guard = r"(?<!份)(?<!份 )" if label.startswith("证") else ""
    return re.compile(guard + spaced + _AFTER_LABEL + value)


_NUMBER_PATTERNS: dict[MaterialKind, list[re.Pattern[str]]] = {
    kind: [_label_pattern(label, _CODE_VALUE if kind is MaterialKind.TITLE_CERT else _DIGITS_VALUE)
           for label in labels]
    for kind, labels in _NUMBER_LABELS.items()
}
_DIPLOMA_LEVEL_CODES = {"01", "02", "05", "06"}


def _digit_runs(t: str, n: int) -> list[tuple[str, int, int]]:
    pattern = re.compile(rf"(?<![0-9])[0-9](?:[ ]?[0-9]){{{n - 1}}}(?![0-9])")
    return [(m.group(0).replace(" ", ""), m.start(), m.end()) for m in pattern.finditer(t)]


def _year_at(value: str, at: int) -> bool:
    return value[at:at + 4].isdigit() and 1950 <= int(value[at:at + 4]) <= 2100


def _certificate_number(kind: MaterialKind, t: str) -> str | None:
    for pattern in _NUMBER_PATTERNS.get(kind, ()):
        for m in pattern.finditer(t):
            value = m.group("v").replace(" ", "")
            if kind is MaterialKind.TITLE_CERT and not any(ch.isdigit() for ch in value):
                continue
            return value
    # No label next to it (OCR often puts labels and values in separate columns): the format.
    if kind is MaterialKind.DIPLOMA:
        labeled_ids = {c.value for c in find_id_candidates(t, normalized=True) if c.labeled}
        runs = [v for v, _, _ in _digit_runs(t, 18) if _year_at(v, 6) and v not in labeled_ids]
        shaped = [v for v in runs if v[10:12] in _DIPLOMA_LEVEL_CODES]
        return (shaped or runs or [None])[0]
    if kind is MaterialKind.DEGREE_CERT:
        runs = [v for v, _, _ in _digit_runs(t, 16) if _year_at(v, 6)]
        shaped = [v for v in runs if v[5] in "234"]
        return (shaped or runs or [None])[0]
    if kind is MaterialKind.TITLE_CERT:
        for m in re.finditer(r"(?<![0-9])[0-9]{10,20}(?![0-9Xx])", t):
            value = m.group(0)
            if len(value) == 18 and _plausible_birth(value):
                continue  # an ID number
            return value
    return None


# --- names --------------------------------------------------------------------------------------

_NAME_LABEL = re.compile(
    rf"(?:姓[ ]?名[ ]*[:：]?|持证人[ ]*[:：]|研究生|学生|兹证明|兹有|学员[ ]*[:：]?)[ ]*{_BLANK_LINES}"
    rf"(?P<v>[{CJK}·]{{2,10}})"
)
_NAME_BEFORE_GENDER = re.compile(
    rf"(?:^|(?<=[\s,，。:：;；]))(?P<v>[{CJK}·]{{2,5}})[ ]*[,，][ ]*(?:性别[ ]*[:：]?[ ]*)?[男女][ ]*[,，]",
    re.MULTILINE,
)
# Words that end a name when OCR lost the separator after it: 张三性别 -> 张三.
_NAME_STOPS = ("性别", "同志", "同学", "身份", "公民", "出生", "生于", "民族", "籍贯", "工作", "单位",
               "专业", "学号", "资格", "现任", "职务", "证件", "先生", "女士", "性")
_NAME_STOP_CHARS = "男女于在为系是的自从"
_NOT_A_NAME = ("毕业", "证书", "学位", "学习", "专业", "培养", "课程", "成绩", "姓名", "性别",
               "身份", "工作", "单位", "科目", "学时", "具备", "具有", "本人", "同志")


def _trim_name(value: str) -> str | None:
    value = value.replace("·", "")
    if value.startswith(_NOT_A_NAME):
        return None
    cut = min((i for i in (value.find(s, 2) for s in _NAME_STOPS) if i >= 2), default=-1)
    if cut >= 2:
        value = value[:cut]
    elif len(value) > 3:
        cut = min((i for i in (value.find(c, 2) for c in _NAME_STOP_CHARS) if i >= 2), default=-1)
        if cut >= 2:
            value = value[:cut]
    if not 2 <= len(value) <= 4:
        return None
    return value


def _holder_name(t: str) -> str | None:
    for pattern in (_NAME_LABEL, _NAME_BEFORE_GENDER):
        for m in pattern.finditer(t):
            name = _trim_name(m.group("v"))
            if name is not None:
                return name
    return None


# --- continuing education -----------------------------------------------------------------------

_CE_YEAR_LABELED = re.compile(r"认定年度[ ]*[:：|]?[ ]*(?:\n[ ]*){0,3}(?P<y>(?:19|20)[0-9]{2})(?![0-9])")
_CE_YEAR = re.compile(r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})[ ]*年度")
_CN_CE_YEAR = re.compile(rf"(?P<y>{_CN_YEAR_DIGIT}{{4}})[ ]*年度")
_HOURS_LABELS = {
    "public": r"公?需科目|公需课程?|公需学时|公需",
    "professional": r"专业科目|专业课程?|专业学时",
    "total": r"学时合计|合计学时|合计|总计|共计|总学时|累计学时",
}
_HOURS_VALUE = r"[ ]*[:：|]?[ ]*[|]?[ ]*(?:\n[ ]*){0,3}(?P<n>[0-9]{1,3}(?:\.[0-9]{1,2})?)(?![0-9])"
_HOURS_PATTERNS = {key: re.compile(f"(?:{labels}){_HOURS_VALUE}") for key, labels in _HOURS_LABELS.items()}
_DETAIL_HEADING = re.compile(r"学时明细|课程明细|序号")


def _ce_year(t: str) -> int | None:
    for pattern in (_CE_YEAR_LABELED, _CE_YEAR):
        m = pattern.search(t)
        if m:
            return int(m.group("y"))
    for m in _CN_CE_YEAR.finditer(t):
        text = m.group("y")
        if sum(ch in "〇零一二三四五六七八九" for ch in text) >= 2:
            year = int("".join(str(_CN_VALUES[ch]) for ch in text))
            if 1900 <= year <= 2100:
                return year
    return None


def _ce_hours(t: str) -> dict[str, float | None]:
    detail = _DETAIL_HEADING.search(t)
    summary = t[:detail.start()] if detail else t
    hours: dict[str, float | None] = {}
    for key, pattern in _HOURS_PATTERNS.items():
        m = pattern.search(summary)
        hours[key] = float(m.group("n")) if m else None
    return hours


# --- extraction ---------------------------------------------------------------------------------

def extract_fields(kind: MaterialKind, text: str | None) -> CertificateFields:
    """The fields of a certificate of this kind, read from its (possibly noisy) OCR text."""
    t = normalize_ocr_text(text)
    number = _certificate_number(kind, t)
    ids = shown_id_numbers(kind, t, number, normalized=True)
    dates, precision = _assign_dates(kind, find_dates(t, normalized=True))
    ce_year = public = professional = total = None
    if kind is MaterialKind.CE_RECORD:
        ce_year = _ce_year(t)
        hours = _ce_hours(t)
        public, professional, total = hours["public"], hours["professional"], hours["total"]
    fields = CertificateFields(
        name=_holder_name(t), id_number=_best_id(ids), certificate_number=number, dates=dates,
        ce_year=ce_year, ce_public_hours=public, ce_professional_hours=professional,
        ce_total_hours=total, date_precision=precision,
    )
    expected = EXPECTED_FIELDS.get(kind, _DEFAULT_EXPECTED)
    found = len(expected) - len(missing_fields(kind, fields))
    return replace(fields, confidence=round(found / len(expected), 4))


def missing_fields(kind: MaterialKind, fields: CertificateFields) -> list[str]:
    """The expected fields of this kind that were not found, by name (see EXPECTED_FIELDS)."""
    out = []
    for f in EXPECTED_FIELDS.get(kind, _DEFAULT_EXPECTED):
        value = getattr(fields, f) if hasattr(fields, f) else fields.dates.get(f)
        if value is None:
            out.append(f)
    return out
