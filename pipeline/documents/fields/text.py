"""OCR text made comparable: full-width forms, letters read for digits, spaces OCR puts between
Chinese characters. Pure functions; nothing here raises on any text."""

from __future__ import annotations

import re
import unicodedata

from pipeline.domain.identity import halfwidth

# CJK ideographs (basic block, extension A) and 〇, as a regex class body.
CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{CJK}]")
# Up to two blank lines between a label and its value (some page-segmentation modes add them).
BLANK_LINES = r"(?:\n[ ]*){0,3}"
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
# One or two spaces between two CJK characters are OCR's, not the document's: 张 三 -> 张三. Longer
# gaps separate columns and are kept.
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}])[ ]{{1,2}}(?=[{CJK}])")

# Letters OCR reads for digits; replaced only inside a run that is mostly digits.
_LETTER_DIGITS = str.maketrans("OoIlSBZz", "00115822")
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9OoIlSBZz]++(?![A-WYZa-wyz])")
ASCII_DIGITS = frozenset("0123456789")


def count_cjk(text: str | None) -> int:
    """How many CJK characters the text holds."""
    return len(_CJK_CHAR.findall(text or ""))


def _fix_digit_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = sum(ch in ASCII_DIGITS for ch in run)
    letters = len(run) - digits
    if letters == 0 or digits < 2 or letters > max(1, len(run) // 3):
        return run
    return run.translate(_LETTER_DIGITS)


def normalize_ocr_text(text: str | None) -> str:
    """The OCR text with full-width forms made ASCII (NFKC), OCR's letter-for-digit confusions
    fixed inside digit runs (`2O13` -> `2013`), and short spaces between CJK characters removed.
    Works line by line: the result has as many lines as the text."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", halfwidth(str(text)))
    t = _ZERO_WIDTH.sub("", t)
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    t = _SPACE_BETWEEN_CJK.sub("", t)
    return _DIGIT_RUN.sub(_fix_digit_run, t)


def fixed_spans(text: str | None) -> list[tuple[int, int]]:
    """Where `normalize_ocr_text(text)` replaced letters read for digits (spans in its result:
    the replacement keeps lengths, and it is the last step)."""
    if not text:
        return []
    t = unicodedata.normalize("NFKC", halfwidth(str(text)))
    t = _ZERO_WIDTH.sub("", t)
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    t = _SPACE_BETWEEN_CJK.sub("", t)
    return [m.span() for m in _DIGIT_RUN.finditer(t) if _fix_digit_run(m) != m.group(0)]
