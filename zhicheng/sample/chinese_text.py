"""Numbers and dates written the Chinese way, as certificates and forms print them."""

from __future__ import annotations

from datetime import date

_CN_DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """0 to 99 in Chinese numerals: 六, 十二, 三十."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def cn_date(d: date) -> str:
    """二〇一二年六月三十日"""
    return ("".join(_CN_DIGITS[int(c)] for c in str(d.year)) + "年" + cn_number(d.month) + "月"
            + cn_number(d.day) + "日")


def ymd(d: date) -> str:
    """The date as 2012年6月30日."""
    return f"{d.year}年{d.month}月{d.day}日"


def ym(d: date) -> str:
    """The month as 2012年6月."""
    return f"{d.year}年{d.month}月"


def date_text(d: date | None) -> str:
    """The date as 2012年6月30日, or an empty string for no date."""
    return "" if d is None else f"{d.year}年{d.month}月{d.day}日"
