"""Whether an ID number read by OCR is the declared one (OCR's digit confusions forgiven only where
the check digit proves a misreading)."""

from __future__ import annotations

import re

from pipeline.domain.identity import id_check_digit
from pipeline.rules.names import clean_text

# Digits OCR takes for one another in printed text.
DIGIT_CONFUSIONS = frozenset(
    frozenset(pair) for pair in ("06", "08", "09", "17", "38", "56", "68", "89", "49")
)
_ID_LETTERS = str.maketrans("OoIlSBZz", "00115822")


def _normalize_id(value: str) -> str:
    v = "".join(clean_text(value).split()).replace("×", "X")
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
