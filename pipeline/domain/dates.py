"""Dates as units write them in a roster: text in several Chinese forms, real cells, Excel serials."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from pipeline.errors import Refused

_HALFWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}

FORMS_HINT = "请写作 2019-07-01 或 2019年7月"

# Serial 1 is 1900-01-01; Excel counts a 1900-02-29 that never was (serial 60), so from serial 61
# on the day is counted from 1899-12-30.
_SERIAL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = (date(9999, 12, 31) - _SERIAL_EPOCH).days
_MIN_YEAR, _MAX_YEAR = 1900, 2100

# A workbook datetime written out as text: "2019-07-01 00:00:00".
_DATETIME = re.compile(
    r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
)
_PATTERNS = (
    re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})[日号]?"),
    re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"),
    re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})()"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月?()"),
)
# A serial number typed as text, as a CSV exported from a workbook may hold it (1927-2173).
_SERIAL_TEXT = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")


class DateParseError(Refused, ValueError):
    """A value that is not a date; `message` says so in Chinese, with the value and the forms."""

    def __init__(self, message: str, value: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value


def _shown(value: object) -> str:
    try:
        text = str(value).strip()
    except Exception:  # a huge int refuses str(); the message must still be made
        text = "（无法显示的值）"
    return text if len(text) <= 40 else text[:40] + "…"


def _unreadable(value: object) -> DateParseError:
    return DateParseError(f"无法识别的日期“{_shown(value)}”，{FORMS_HINT}", value)


def _make(year: int, month: int, day: int, value: object) -> date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        message = f"日期“{_shown(value)}”的年份{year}不在{_MIN_YEAR}-{_MAX_YEAR}之间，{FORMS_HINT}"
        raise DateParseError(message, value)
    if not 1 <= month <= 12:
        raise DateParseError(f"日期“{_shown(value)}”不存在（没有{month}月），{FORMS_HINT}", value)
    try:
        return date(year, month, day)
    except ValueError:
        message = f"日期“{_shown(value)}”不存在（{year}年{month}月没有{day}日），{FORMS_HINT}"
        raise DateParseError(message, value) from None


def _from_number(number: float, value: object) -> date:
    """A date from a number cell: an Excel serial, or 20190701 typed into a number cell."""
    if not math.isfinite(number) or number < 1:
        raise _unreadable(value)
    whole = int(number)
    if 19000101 <= whole <= 21001231 and whole == number:
        return _make(whole // 10000, whole // 100 % 100, whole % 100, value)
    if _MIN_YEAR <= whole <= _MAX_YEAR:
        # A year, or 2019.7 typed into a number cell (Excel keeps 2019.10 as 2019.1): never guess.
        message = (f"日期“{_shown(value)}”是一个数字而不是日期，"
                   "请把单元格设为“文本”格式后写作 2019-07-01 或 2019年7月")
        raise DateParseError(message, value)
    if whole > _MAX_SERIAL:
        raise _unreadable(value)
    if whole == 60:
        raise DateParseError(f"日期“{_shown(value)}”不存在（1900年2月没有29日），{FORMS_HINT}", value)
    if whole < 60:
        return date(1899, 12, 31) + timedelta(days=whole)
    day = _SERIAL_EPOCH + timedelta(days=whole)
    return _make(day.year, day.month, day.day, value)


def _from_text(value: str) -> date:
    spaced = " ".join(value.translate(_HALFWIDTH).split())
    if not spaced:
        raise DateParseError(f"日期为空，{FORMS_HINT}", value)
    match = _DATETIME.fullmatch(spaced)
    if match:
        y, mo, d = (int(g) for g in match.groups())
        return _make(y, mo, d, value)
    text = spaced.replace(" ", "")
    if _SERIAL_TEXT.fullmatch(text):
        return _from_number(float(text), value)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = match.groups()
            return _make(int(year), int(month), int(day) if day else 1, value)
    raise _unreadable(value)


def parse_date(value: object) -> date:
    """The date a roster cell means; a month without a day means the 1st; else DateParseError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise DateParseError(f"日期为空，{FORMS_HINT}", value)
    if isinstance(value, bool):
        raise _unreadable(value)
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise _unreadable(value) from None
        return _from_number(number, value)
    if isinstance(value, str):
        return _from_text(value)
    raise _unreadable(value)
