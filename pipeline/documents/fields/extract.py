"""One certificate's fields from its OCR text, each with how sure its reading is (see docs/ocr.md).

A field is trusted when nothing in its reading was forgiven (no letter read for a digit, no `]`
for a 1, no day lost), the engine's confidence on its line is at least LINE_CONFIDENCE, and its
own check holds: an ID number's check digit, a 毕业/学位证书 number's shape (level code, year), a
date's place (a graduation near the course's end, never before the holder was 15, an approval
before its issue), the 认定单's hours adding up (公需 + 专业 = 合计). Two engines reading the same
value make it trusted whatever else (`merge`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from pipeline.domain.identity import id_check_digit
from pipeline.domain.materials import MaterialKind

from .assign import assign_dates
from .dates import find_dates
from .hours import ce_hours, ce_year
from .model import DEFAULT_EXPECTED, EXPECTED_FIELDS, SCALAR_FIELDS, TRUSTED, UNSURE, CertificateFields, missing_fields
from .names import holder_name
from .numbers import DIPLOMA_LEVEL_CODES, best_id, certificate_number, shown_id_numbers, year_at
from .text import fixed_spans, normalize_ocr_text

# Below this engine confidence (0..1) on a field's line, the field is unsure. Tesseract's word
# confidences on a misread line fall under it; RapidOCR's scores sit above 0.9 on good text.
LINE_CONFIDENCE = 0.55
# A Chinese-numeral date read by one engine is trusted when each of its characters was read with
# at least this probability (RapidOCR's 三十 read as 二十 had its 二 at 0.75 and 0.92; the right
# 二, 三 and 一 of the same sets at 0.96 and above). The zeros (〇 ○ O) are left out: every
# character they are taken for reads zero.
CHAR_CONFIDENCE = 0.95
# A name read by the stronger engine with each character at least this sure stands over the
# first engine's different reading (tesseract reads rarer name characters as commoner ones).
NAME_CHAR_CONFIDENCE = 0.97
_ZEROS = frozenset("〇○OoΟ0")
_NOT_NUMERALS = _ZEROS | frozenset("年月日号")
# A month or day that starts with 十 (十月, 十二月, 十九日): RapidOCR was seen dropping the 二 of
# 十二月 with every character left at 0.96 or above, so a lost numeral leaves no trace there.
_BARE_TEN = re.compile("[年月]十")
_HOUR_KEYS = ("ce_public_hours", "ce_professional_hours", "ce_total_hours")
# Doubts about how a value was read, which a second engine reading the same value answers.
READING_DOUBTS = frozenset({"low-confidence", "misread-char", "cut-short", "cn-numerals", "unsure",
                            "engines-disagree"})


def extract_fields(kind: MaterialKind, text: str | None,
                   line_scores: tuple[float | None, ...] | None = None,
                   char_scores: tuple[tuple[float, ...] | None, ...] | None = None) -> CertificateFields:
    """The fields of a certificate of this kind, read from its (possibly noisy) OCR text, with
    each field's trust. `line_scores` are the engine's confidences of the text's lines, and
    `char_scores` its characters' probabilities line by line, if known."""
    t = normalize_ocr_text(text)
    fixes = fixed_spans(text)
    where: dict[str, int] = {}
    doubts: dict[str, str] = {}
    number = certificate_number(kind, t)
    ids = shown_id_numbers(kind, t, number.value if number else None, normalized=True)
    found_id = best_id(ids)
    found_dates = find_dates(t, normalized=True)
    assigned = assign_dates(kind, found_dates)
    where.update(assigned.where)
    lengths = {k: next(d.end - d.start for d in found_dates if d.start == at)
               for k, at in assigned.where.items() if any(d.start == at for d in found_dates)}
    doubts.update(assigned.doubts)
    name = holder_name(t)
    if name:
        where["name"], lengths["name"] = name[1], len(name[0])
    if found_id:
        where["id_number"] = found_id.start
        if not found_id.check_ok:
            doubts["id_number"] = "checksum"
    if number:
        where["certificate_number"] = number.start
        problem = _number_doubt(kind, number.value, assigned.dates)
        if problem:
            doubts["certificate_number"] = problem
    year: int | None = None
    cells: dict[str, float | None] = dict.fromkeys(_HOUR_KEYS)
    if kind is MaterialKind.CE_RECORD:
        found_year = ce_year(t)
        if found_year:
            year, where["ce_year"] = found_year[0], found_year[1]
        hours = ce_hours(t)
        for key, cell in zip(_HOUR_KEYS, (hours["public"], hours["professional"], hours["total"])):
            if cell is not None:
                cells[key], where[key] = cell.value, cell.start
                if cell.misread:
                    doubts[key] = "misread-char"
                elif not cell.with_unit and any(h is not None and h.with_unit for h in hours.values()):
                    doubts[key] = "cut-short"  # its 学时 lost while the other cells kept theirs
    fields = CertificateFields(
        name=name[0] if name else None, id_number=found_id.value if found_id else None,
        certificate_number=number.value if number else None, dates=assigned.dates,
        ce_year=year, ce_public_hours=cells["ce_public_hours"],
        ce_professional_hours=cells["ce_professional_hours"],
        ce_total_hours=cells["ce_total_hours"], date_precision=assigned.precision,
    )
    sure = {k: v for k, v in ((k, _chars_sure(text, t, where[k], n, char_scores))
                              for k, n in lengths.items()) if v is not None}
    for key, at in where.items():
        if any(a <= at < b or (at <= a < at + 8) for a, b in fixes) and key not in doubts:
            doubts[key] = "misread-char"
        # the value's own characters when the engine gives them, else its line's least sure word
        # or box (a seal's fragment beside a name no longer makes the name unsure)
        score = sure[key] if key in sure else _line_score(t, at, line_scores)
        if score is not None and score < LINE_CONFIDENCE and key not in doubts:
            doubts[key] = "low-confidence"
    for key in [k for k, d in doubts.items() if d == "cn-numerals" and assigned.precision.get(k) == "day"]:
        at = where[key]
        if _numerals_sure(kind, key, assigned.dates[key], number, doubts, text, t, at, lengths[key],
                          char_scores):
            del doubts[key]  # every numeral of it read surely: 二十 for 三十 shows in the 二
            score = _line_score(t, at, line_scores)
            if score is not None and score < LINE_CONFIDENCE:
                doubts[key] = "low-confidence"
    lines = {k: t.count("\n", 0, at) for k, at in where.items()}
    return judge(kind, replace(fields, doubts=doubts, sure=sure, lines=lines))


def _numerals_sure(kind: MaterialKind, key: str, value: date, number: Any, doubts: dict[str, str],
                   text: str | None, t: str, at: int, length: int,
                   char_scores: tuple[tuple[float, ...] | None, ...] | None) -> bool:
    """Whether a Chinese-numeral date was read surely: each numeral at CHAR_CONFIDENCE or more
    (the year's may be less when the 毕业/学位证书 number, read without doubt, carries the same
    year), and no month or day starting with 十."""
    if _BARE_TEN.search(t, at, at + length):
        return False
    year_end = t.find("年", at, at + length) + 1
    vouched = kind in (MaterialKind.DIPLOMA, MaterialKind.DEGREE_CERT) and key != "birth" \
        and number is not None and "certificate_number" not in doubts and year_end > 0 \
        and number.value[6:10] == str(value.year)
    start = year_end if vouched else at
    least = _chars_sure(text, t, start, at + length - start, char_scores)
    return least is not None and least >= CHAR_CONFIDENCE


def _chars_sure(text: str | None, t: str, at: int, length: int,
                char_scores: tuple[tuple[float, ...] | None, ...] | None) -> float | None:
    """The least probability of the characters of `t[at:at + length]` (spaces, zeros and a
    date's 年月日 left out: no other character is read as them and they change no value), from
    the engine's characters' probabilities of that line; None when not known."""
    if not char_scores or not text:
        return None
    number = t.count("\n", 0, at)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if number >= len(raw_lines) or number >= len(char_scores) or char_scores[number] is None:
        return None
    raw, scores = raw_lines[number], char_scores[number]
    line = normalize_ocr_text(raw)
    if scores is None or len(line) != len(raw) or len(raw) != len(scores):
        return None  # normalizing changed the line's length: the characters no longer align
    kept = [(ch, p) for ch, p in zip(line, scores) if not ch.isspace()]
    compact = "".join(ch for ch, _ in kept)
    value = "".join(t[at:at + length].split())
    start = compact.find(value)
    if not value or start < 0:
        return None
    probabilities = [p for ch, p in kept[start:start + len(value)] if ch not in _NOT_NUMERALS]
    return min(probabilities) if probabilities else None


def judge(kind: MaterialKind, fields: CertificateFields) -> CertificateFields:
    """The fields with `trust` set from their doubts and the checks between fields (the hours'
    sum), and `confidence` the share of the kind's expected fields found."""
    doubts = dict(fields.doubts)
    if kind is MaterialKind.CE_RECORD:
        _judge_hours(fields, doubts)
    found = [k for k in (*SCALAR_FIELDS, *fields.dates) if fields.value(k) is not None]
    # Two engines reading a value alike answer a doubt about the reading (a character, the
    # engine's confidence), not one about what the value means (a sum that fails, a date out of
    # place, a number of the wrong shape): both engines' text goes through the same parsing.
    trust = {k: (TRUSTED if k not in doubts or (k in fields.agreed and doubts[k] in READING_DOUBTS)
                 else UNSURE) for k in found}
    doubts = {k: v for k, v in doubts.items() if trust.get(k) == UNSURE}
    expected = EXPECTED_FIELDS.get(kind, DEFAULT_EXPECTED)
    share = (len(expected) - len(missing_fields(kind, fields))) / len(expected)
    return replace(fields, trust=trust, doubts=doubts, confidence=round(share, 4))


def _judge_hours(fields: CertificateFields, doubts: dict[str, str]) -> None:
    public, professional, total = (fields.value(k) for k in _HOUR_KEYS)
    if public is not None and professional is not None and total is not None \
            and abs(public + professional - total) <= 0.01:
        # The sum vouches for all three cells, a cell read with a forgiven character too (7] as
        # 71 when 30 + 71 = 101): a misreading would have to break two cells to keep the sum.
        misread = [k for k in _HOUR_KEYS if doubts.get(k) in ("misread-char", "cut-short")]
        if len(misread) <= 1:
            for k in _HOUR_KEYS:
                if doubts.get(k) != "low-confidence" or k in misread:
                    doubts.pop(k, None)
        return
    for k in _HOUR_KEYS:  # a cell alone is never trusted: the sum is the hours' only check
        if fields.value(k) is not None and k not in fields.agreed:
            doubts.setdefault(k, "sum-mismatch")


def _number_doubt(kind: MaterialKind, value: str, dates: dict[str, date]) -> str | None:
    if kind is MaterialKind.DIPLOMA:
        if len(value) != 18 or not value.isdigit() or value[10:12] not in DIPLOMA_LEVEL_CODES \
                or not year_at(value, 6):
            return "format"
        grad = dates.get("graduation")
        if grad is not None and grad.year != int(value[6:10]):
            return "implausible"
    if kind is MaterialKind.DEGREE_CERT:
        if len(value) != 16 or not value.isdigit() or value[5] not in "234" or not year_at(value, 6):
            return "format"
    if kind in (MaterialKind.TITLE_CERT, MaterialKind.CE_RECORD) and len(value) == 18 \
            and value.isdigit() and id_check_digit(value[:17]) == value[17]:
        return "format"  # shaped like an ID number
    return None


def _line_score(t: str, at: int, scores: tuple[float | None, ...] | None) -> float | None:
    if not scores:
        return None
    line = t.count("\n", 0, at)
    return scores[line] if line < len(scores) else None


def merge(kind: MaterialKind, first: CertificateFields, second: CertificateFields) -> CertificateFields:
    """Two engines' readings of one certificate as one: a value both read is trusted; otherwise
    the stronger (`second`) engine's trusted value, else the first's trusted value that the second
    did not read, else whatever was read, unsure (`engines-disagree` when both read a value)."""
    values: dict[str, object] = {}
    dates: dict[str, date] = {}
    precision: dict[str, str] = {}
    doubts: dict[str, str] = {}
    agreed: list[str] = []
    sure: dict[str, float] = {}
    keys = list(dict.fromkeys([*SCALAR_FIELDS, *first.dates, *second.dates]))
    for key in keys:
        a, b = first.value(key), second.value(key)
        src = second
        if a is not None and a == b and _same_precision(first, second, key):
            agreed.append(key)
            # agreeing answers how the value was read, not what it means (its shape, its place)
            kept = [d for d in (second.doubts.get(key), first.doubts.get(key))
                    if d and d not in READING_DOUBTS]
            if kept:
                doubts[key] = kept[0]
        elif b is not None and second.trusted(key) and not (a is not None and first.trusted(key)):
            pass
        elif key == "name" and second.trusted(key) and second.sure.get(key, 0.0) >= NAME_CHAR_CONFIDENCE:
            pass  # the stronger engine read every character of the name surely
        elif a is not None and first.trusted(key) and b is None:
            src = first
        elif a is not None and first.trusted(key) and not second.trusted(key):
            # the stronger engine's reading is in doubt: keep the sure one, and say they differ
            # (a check between fields, such as the hours' sum, may still vouch for it)
            src, doubts[key] = first, "engines-disagree"
        elif b is not None or a is not None:
            src = second if b is not None else first
            if src.trusted(key) and a is not None and b is not None:
                doubts[key] = "engines-disagree"
            elif not src.trusted(key):
                doubts[key] = src.doubts.get(key, "unsure")
        else:
            continue
        v = src.value(key)
        if key in src.sure:
            sure[key] = src.sure[key]
        if key in SCALAR_FIELDS:
            values[key] = v
        else:
            dates[key] = v
            precision[key] = src.date_precision.get(key, "day")
    scalars: dict[str, Any] = {k: values.get(k) for k in SCALAR_FIELDS}
    merged = replace(CertificateFields(), **scalars)
    merged = replace(merged, dates=dates, date_precision=precision, doubts=doubts,
                     agreed=tuple(agreed), sure=sure)
    return judge(kind, merged)


def _same_precision(a: CertificateFields, b: CertificateFields, key: str) -> bool:
    return key in SCALAR_FIELDS or a.date_precision.get(key) == b.date_precision.get(key)
