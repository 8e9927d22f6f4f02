"""Invisible and direction-changing characters in what a person typed, and formula-like text.

Control characters (C0 except tab/newline, C1), the bidirectional overrides and isolates
(U+202A–U+202E, U+2066–U+2069, U+200E/U+200F) and zero-width characters (U+200B–U+200D, U+2060,
U+FEFF) are invisible in a spreadsheet and can make a name or a file name read differently from
what it is (`学历证书\u202egpj.exe` shows as 学历证书exe.jpg). They are stripped, and the caller
says so with a problem or finding.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_UNSAFE_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
FORMULA_START = ("=", "+", "-", "@")


def unsafe_chars(text: str, *, newlines_ok: bool = True) -> list[str]:
    """The distinct unsafe characters in `text`, as U+XXXX codes in order of appearance."""
    pattern = _UNSAFE if newlines_ok else _UNSAFE_ALL
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in pattern.findall(text)))


def strip_unsafe(text: str, *, newlines_ok: bool = True) -> str:
    """`text` without its unsafe characters."""
    return (_UNSAFE if newlines_ok else _UNSAFE_ALL).sub("", text)


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read the text as a formula (=, +, -, @ first)."""
    return text.lstrip().startswith(FORMULA_START)


def excel_number_text(value: float | int) -> str:
    """A number as Excel's General format shows it: 15 significant digits, 4.30105198006255E+17."""
    text = f"{float(value):.15G}" if abs(value) >= 1e11 else str(int(value)) \
        if float(value).is_integer() else repr(value)
    return text.replace("E+0", "E+")
