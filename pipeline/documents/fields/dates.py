"""Dates on a certificate: every date in the text (numeric and Chinese-numeral) and the key its
label or its place gives it (which of them a certificate of each kind is about: `assign`).

Date keys: `graduation`, `degree_award`, `title_approval`, `birth`, `study_start`, `study_end`,
`issue` (and `valid_from` / `valid_until` on an ID card). A date written with a month but no day
means the 1st of that month (as in the roster); a year alone (`二零一七年`) is kept only when a label
says what it is, as 1 January; `precision` says which (`day`, `month`, `year`). A date whose
characters OCR had to be forgiven (`1]` for 11, a stray letter inside 二〇〇九) or whose day could
not be read although the certificate prints one is `clean=False`: it may be shown, never trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .text import ASCII_DIGITS, normalize_ocr_text


@dataclass(frozen=True)
class FoundDate:
    """A date in the text, where it is, which date a label near it says it is (None: unknown),
    and whether it was read without forgiving any character (`clean`)."""

    value: date
    precision: str      # day / month / year
    start: int
    end: int
    key: str | None
    clean: bool = True
    numerals: bool = False   # written in Chinese numerals (二〇〇五年六月三十日)


_DAYISH = r"[0-9OoIl|\]]"    # a digit of a month or day, as OCR may read it
_DAYISH_FIX = str.maketrans("OoIl|]", "001111")
_NUMERIC_DATE = re.compile(
    r"(?<![0-9])(?P<y>[12](?:\s?[0-9OoIl|\]]){3})\s*(?:"
    rf"年\s*(?P<m1>{_DAYISH}(?:[ ]?{_DAYISH})?)\s*月(?:[ ]*(?P<d1>{_DAYISH}(?:[ ]?{_DAYISH})?)[ ]*(?P<unit>[日号])?(?![0-9]))?"
    r"|(?P<sep>[.\-/])\s?(?P<m2>[0-9]{1,2})(?:\s?(?P=sep)\s?(?P<d2>[0-9]{1,2}))?(?![0-9])"
    r"|年(?![度0-9OoIl|\]]))"
)
_CN_ZERO = "〇零○OoΟ0"
_CN_YEAR_DIGIT = f"[{_CN_ZERO}一二三四五六七八九]"
_CN_SMALL = "[元正一二三四五六七八九十廿卅]"
# A 一 read as a dash, a tilde or an arrow (tesseract's 二〇-~三, RapidOCR's 二〇→九).
_ONE_MARKS = "-—→~"
# A year of four Chinese numerals, perhaps with one stray Latin letter or sign inside it, a 一
# read as a mark, or one zero read twice.
_CN_DATE = re.compile(
    rf"(?<![{_CN_ZERO}0-9一二三四五六七八九十])(?P<y>{_CN_YEAR_DIGIT}(?:[ ]?(?:{_CN_YEAR_DIGIT}|[A-Za-z@]{{1,2}}|[{_ONE_MARKS}]{{1,2}})){{3,4}})[ ]*年"
    rf"(?:\s*(?P<m>{_CN_SMALL}{{1,2}})\s*月(?:\s*(?P<d>{_CN_SMALL}{{1,3}})\s*[日号])?(?P<rest>[^\n年]{{0,6}}日)?)?"
    r"(?!度)"
)
_CN_DAY_FOLLOWS = re.compile(r"\s{0,3}[一二三四五六七八九十廿卅]")
_CN_VALUES = {ch: 0 for ch in _CN_ZERO} | {ch: i + 1 for i, ch in enumerate("一二三四五六七八九")}
_CN_NUMERALS = "〇零○一二三四五六七八九"


def cn_small_number(text: str) -> int | None:
    """1 to 31 in Chinese numerals (三, 十, 十二, 二十, 廿一, 卅, 三十一); None for anything else."""
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


def cn_year(text: str) -> tuple[int, bool] | None:
    """A year written in Chinese numerals (二〇〇五, 二OO五), and whether it was read cleanly; None
    unless four numerals, at least two of them real ones. Forgiven, so read uncleanly: a stray
    letter inside (二〇GO五), a 一 read as a dash or an arrow (二〇-~三, 二〇→九: one mark or two
    for one 一), a zero read twice (tesseract's 二O〇一九: five numerals, two zeros side by side,
    one of them kept)."""
    text = re.sub(r"\s", "", text)
    real = sum(ch in _CN_NUMERALS for ch in text)
    text, marks = re.subn(f"[{_ONE_MARKS}]{{1,2}}", "一", text)
    digits = [ch for ch in text if ch in _CN_VALUES]
    junk = len(text) - len(digits)
    figures = "".join(str(_CN_VALUES[ch]) for ch in digits)
    doubled = len(figures) == 5 and "00" in figures
    if doubled:
        figures = figures.replace("00", "0", 1)
    if len(figures) != 4 or junk > 2 or real < 2:
        return None
    year = int(figures)
    return (year, junk == 0 and not marks and not doubled) if 1900 <= year <= 2100 else None


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


def _ocr_number(text: str) -> tuple[int, bool] | None:
    """A month or day as OCR read it, and whether cleanly: `]` or `|` alone is a 1; beside real
    digits it is noise, or a lost 1 (`1]` is 1 or 11): either way the reading is unclean."""
    text = text.replace(" ", "")
    clean = text.isdigit()
    if any(ch in ASCII_DIGITS for ch in text):
        text = text.replace("]", "").replace("|", "")
    text = text.translate(_DAYISH_FIX)
    return (int(text), clean) if text.isdigit() else None


def _numeric_match(m: re.Match[str]) -> tuple[date, str, bool] | None:
    year_text = re.sub(r"\s", "", m.group("y"))
    if sum(ch in ASCII_DIGITS for ch in year_text) < 3:
        return None  # one misread character in a year at most: 201] is 2011, 2OlO is nothing
    clean = year_text.isdigit()
    year = int(year_text.translate(_DAYISH_FIX))
    month_text = m.group("m1") or m.group("m2")
    day_text = m.group("d1") or m.group("d2")
    if month_text is None:
        made = _make_date(year, None, None)
        return (*made, clean) if made else None
    month = _ocr_number(month_text)
    day = _ocr_number(day_text) if day_text else None
    if month is None:
        return None
    clean = clean and month[1] and (day is None or day[1])
    if m.group("d1") and not m.group("unit"):
        clean = False  # a day whose 日 was lost: likely right, not sure
    made = _make_date(year, month[0], day[0] if day else None)
    if made is None:
        made, clean = _make_date(year, month[0], None), False
    return (*made, clean) if made else None


def _cn_match(m: re.Match[str]) -> tuple[date, str, bool] | None:
    parsed = cn_year(m.group("y"))
    if parsed is None:
        return None
    year, clean = parsed
    if m.group("m") is None:
        made = _make_date(year, None, None)
        return (*made, clean) if made else None
    month = cn_small_number(m.group("m"))
    if month is None or month > 12:
        return None
    day = cn_small_number(m.group("d")) if m.group("d") is not None else None
    if m.group("rest") or (m.group("d") is not None and day is None) or \
            (m.group("d") is None and _CN_DAY_FOLLOWS.match(m.string, m.end())):
        clean = False  # the certificate prints a day that could not be read
    # A day that cannot be read leaves the month, which is still what the certificate says.
    made = _make_date(year, month, day)
    if made is None:
        made, clean = _make_date(year, month, None), False
    return (*made, clean) if made else None


# Labels before a date (the same line, since the previous date), most specific first.
_BEFORE_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("birth", re.compile(r"(出生日期|出生年月日?|出生时间|出生于?|生日)$|(性别)?[男女]$")),
    ("graduation", re.compile(r"毕业")),
    ("degree_award", re.compile(r"授予|授位")),
    ("title_approval", re.compile(
        r"批准|评审通过|通过时间|通过日期|取得|评定|评审时间|评审日期|任职资格|认定时间$|资格时间")),
    ("issue", re.compile(r"发证|签发|颁发|填发|制证|认定日期|发放")),
)
_BIRTH_NEXT_LINE = re.compile(r"[ ]*(?:\n[ ]*){1,4}生[ ]*[,，。]?[ ]*(?:\n|$)")
_RANGE_CONNECTOR = re.compile(r"\s*(?:至|到|起至|—+|-+|~|～|－)\s*")
_LABEL_NOISE = re.compile(r"[\s:：()（）\[\]【】|,，、.。]+")


def find_dates(text: str | None, *, normalized: bool = False) -> list[FoundDate]:
    """Every date in the text (numeric and Chinese-numeral), in order, each with the key a label
    near it gives (birth by 生 after it or 性别 before it, a 至 range as study start and end,
    毕业, 授予, 批准 ...)."""
    t = (text or "") if normalized else normalize_ocr_text(text)
    raw: list[tuple[int, int, date, str, bool]] = []
    numerals: set[int] = set()
    for pattern, convert in ((_NUMERIC_DATE, _numeric_match), (_CN_DATE, _cn_match)):
        for m in pattern.finditer(t):
            made = convert(m)
            if made is not None:
                raw.append((m.start(), m.end(), *made))
                if pattern is _CN_DATE:
                    numerals.add(m.start())
    raw.sort()
    found: list[FoundDate] = []
    previous_end = 0
    for i, (start, end, value, precision, clean) in enumerate(raw):
        line_start = t.rfind("\n", 0, start) + 1
        before = _LABEL_NOISE.sub("", t[max(line_start, previous_end):start])[-10:]
        after = _LABEL_NOISE.sub("", t[end:end + 6].split("\n", 1)[0])
        if not after and _BIRTH_NEXT_LINE.match(t, end):
            after = "生"  # tesseract's psm 11 may put the 生 after a birth date in a block of its own
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
        found.append(FoundDate(value, precision, start, end, key, clean, start in numerals))
        previous_end = end
    return found
