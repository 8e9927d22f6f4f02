"""Identity numbers: the resident ID number (GB 11643), the unit code (GB 32100), mobile numbers.

Every check normalizes what a person typed (spaces, full-width characters, a lower-case x) before
judging it, and explains a failure in Chinese with the value and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, and the ideographic space to a space.
_HALFWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# Excel turns a long number into "4.30102E+17" and loses the last digits.
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+")
# An ID number in a folder name: not part of a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FIRST = "0123456789ANY"

_PHONE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212()]")

_RETRY = "请核对后重新填写"


def halfwidth(text: str) -> str:
    """The text with full-width letters, digits, punctuation and spaces turned into ASCII."""
    return text.translate(_HALFWIDTH)


@dataclass(frozen=True)
class IdNumberCheck:
    """The outcome of checking one ID number.

    `birth_date` is set whenever positions 7-14 form a real date between 1900-01-01 and today, and
    `gender` whenever the first 17 characters are digits, even if another part (the check digit)
    is wrong: callers decide whether to trust them by looking at `ok`.
    """

    ok: bool
    value: str
    message: str | None
    birth_date: date | None
    gender: str | None


def _normalize_id(value: str) -> str:
    return halfwidth(str(value)).strip().upper()


def id_check_digit(prefix17: str) -> str:
    """The GB 11643 check digit for the first 17 digits of an ID number."""
    total = sum(int(ch) * w for ch, w in zip(prefix17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def make_id_number(prefix17: str) -> str:
    """The 18-character ID number made of `prefix17` and its check digit."""
    prefix17 = _normalize_id(prefix17)
    if not re.fullmatch(r"[0-9]{17}", prefix17):
        raise ValueError(f"an ID number prefix is 17 digits, got {prefix17!r}")
    return prefix17 + id_check_digit(prefix17)


def _birth_date(digits: str, today: date) -> tuple[date | None, str | None]:
    """The birth date in positions 7-14, or the Chinese reason it is not acceptable."""
    text = digits[6:14]
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None, f"中的出生日期“{text}”不是有效日期"
    if born > today:
        return None, f"中的出生日期“{text}”晚于今天"
    if born.year < 1900:
        return None, f"中的出生日期“{text}”早于1900年"
    return born, None


def check_id_number(value: str, today: date) -> IdNumberCheck:
    """Check an 18-character resident ID number: shape, birth date and GB 11643 check digit."""
    v = _normalize_id(value)
    if not v:
        return IdNumberCheck(False, v, "身份证号为空，请填写18位身份证号", None, None)
    if _SCIENTIFIC.fullmatch(v):
        message = (f"身份证号“{v}”被 Excel 存成了数字，后几位已经丢失；"
                   "请把该列设为“文本”格式，重新输入完整的18位身份证号")
        return IdNumberCheck(False, v, message, None, None)
    if len(v) != 18:
        message = f"身份证号“{v}”为{len(v)}位，应为18位，{_RETRY}"
        return IdNumberCheck(False, v, message, None, None)
    if not _ID_SHAPE.fullmatch(v):
        message = f"身份证号“{v}”含有不允许的字符：前17位应为数字，最后一位为数字或X，{_RETRY}"
        return IdNumberCheck(False, v, message, None, None)

    gender = "男" if int(v[16]) % 2 == 1 else "女"
    born, date_problem = _birth_date(v, today)
    problems = [date_problem] if date_problem else []
    expected = id_check_digit(v[:17])
    if v[17] != expected:
        problems.append(f"校验位错误，应为{expected}")
    if problems:
        message = f"身份证号“{v}”{'；'.join(problems)}，{_RETRY}"
        return IdNumberCheck(False, v, message, born, gender)
    return IdNumberCheck(True, v, None, born, gender)


def find_id_number(text: str) -> str | None:
    """The 18-character ID number in a folder name such as `430102199001011234_张三`, upper-cased.

    When a name holds several candidates, the first with a correct check digit wins, else the first.
    """
    candidates = [m.group(0).upper() for m in _ID_IN_TEXT.finditer(halfwidth(str(text)))]
    for candidate in candidates:
        if id_check_digit(candidate[:17]) == candidate[17]:
            return candidate
    return candidates[0] if candidates else None


def uscc_check_character(prefix17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unit code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(prefix17, _USCC_WEIGHTS))
    c = 31 - total % 31
    return USCC_ALPHABET[0 if c == 31 else c]


def make_uscc(prefix17: str) -> str:
    """The 18-character unit code made of `prefix17` and its check character."""
    prefix17 = _normalize_id(prefix17)
    if len(prefix17) != 17 or any(ch not in USCC_ALPHABET for ch in prefix17):
        raise ValueError(f"a unit code prefix is 17 characters of {USCC_ALPHABET}, got {prefix17!r}")
    return prefix17 + uscc_check_character(prefix17)


def check_uscc(value: str) -> tuple[bool, str, str | None]:
    """Check a 统一社会信用代码 (GB 32100); returns (ok, normalized upper-case value, message)."""
    v = "".join(_normalize_id(value).split())
    name = "统一社会信用代码"
    if not v:
        return False, v, f"{name}为空，请填写18位{name}"
    if len(v) != 18:
        return False, v, f"{name}“{v}”为{len(v)}位，应为18位，{_RETRY}"
    bad = sorted({ch for ch in v if ch not in USCC_ALPHABET})
    if bad:
        shown = "、".join(bad)
        message = (f"{name}“{v}”含有不允许的字符“{shown}”（只用数字和大写字母，"
                   f"不用 I、O、Z、S、V），{_RETRY}")
        return False, v, message
    if v[0] not in _USCC_FIRST:
        message = f"{name}“{v}”的第一位“{v[0]}”无效（应为数字或 A、N、Y），{_RETRY}"
        return False, v, message
    expected = uscc_check_character(v[:17])
    if v[17] != expected:
        return False, v, f"{name}“{v}”校验位错误，应为{expected}，{_RETRY}"
    return True, v, None


def check_phone(value: str) -> tuple[bool, str, str | None]:
    """Check a mainland mobile number; returns (ok, the 11 digits or the stripped input, message)."""
    shown = halfwidth(str(value)).strip()
    if not shown:
        return False, shown, "手机号码为空，请填写11位手机号码"
    digits = _PHONE_SEPARATORS.sub("", shown)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _PHONE.fullmatch(digits):
        return True, digits, None
    message = (f"手机号码“{shown}”不是有效的大陆手机号（应为以1开头、第二位为3-9的11位数字），"
               f"{_RETRY}")
    return False, shown, message


def _mask(v: str, head: int, tail: int) -> str:
    v = str(v).strip()
    if len(v) <= head + tail:
        return "*" * len(v)
    return v[:head] + "*" * (len(v) - head - tail) + v[-tail:]


def mask_id_number(v: str) -> str:
    """The ID number with all but the first 4 and last 4 characters hidden: 4301**********123X."""
    return _mask(v, 4, 4)


def mask_phone(v: str) -> str:
    """The phone number with all but the first 3 and last 4 digits hidden: 138****1234."""
    return _mask(v, 3, 4)
