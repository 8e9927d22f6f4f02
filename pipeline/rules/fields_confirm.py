"""The extract stage's `confirm` for a certificate (`FieldsConfirm`): whether a cascade's fast
reading can be kept (`readings.confirms` on the fields read), and where on the page it fell short
(`bands`, `lines`, `settled`), so that the strong engine reads only there. Moved from
`pipeline.rules.readings`, whose judgement it asks early."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.documents.fields import (
    EXPECTED_FIELDS,
    CertificateFields,
    extract_fields,
    merge,
    normalize_ocr_text,
)
from pipeline.documents.ocr import OcrResult
from pipeline.domain.materials import MaterialKind
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.readings import AGREE, DIFFERS, READ, confirms, judge_fields

# A band read again spans the line and this many line heights above and below it; bands that
# would cover more of the page than BAND_SHARE are not worth it (the whole page is read instead).
BAND_MARGIN = 1.0
BAND_SHARE = 0.5
Band = tuple[float, float]
# A seal's characters (专用章, 印) read inside a Chinese-numeral year (二〇一专用年六月, 一九为专年六月):
# the seal lies over the year, and no reading of the page reads what is under it.
_SEAL_IN_YEAR = re.compile(r"[〇零○OoΟ0一二三四五六七八九][^\n年]{0,4}(?:专|章|印)[^\n年]{0,3}年\s*[一二三四五六七八九十]{1,2}\s*月")
# A 职称证书's approval date read beside its label is read again on that line alone (the issue
# date's line, a third band, is not needed for it).
_APPROVAL_LABEL = re.compile(r"批\s*准|评\s*审\s*通\s*过|取\s*得\s*时|任\s*职\s*资\s*格|资\s*格\s*时\s*间")
_LONG_DIGITS = re.compile(r"[0-9]{5,}")
_OTHER_DATES = re.compile(r"日\s*生|出\s*生|生\s*日|[0-9]\s*月\s*至")
REREAD_LINES = 3
Box = tuple[float, float, float, float]
_CN_DATE_PLACE = re.compile(r"(?:[〇零○O一二三四五六七八九十年月日]\s*[^\s]?\s*){3}")
_YEAR = re.compile(r"[0-9]{4}")
_DATE_PLACE = re.compile(r"[0-9]{4}\s*年|(?:[〇零○Oo0一二三四五六七八九十年月日]\s*[^\s]?\s*){3}")
# an ID number's label may be all that is left of its line (身份 1: the number lost)
_ID_PLACE = re.compile(r"[0-9Xx]{8,}|身\s*份")
_HOURS_PLACE = re.compile(r"学\s*时|公\s*需|专\s*业|合\s*计|年\s*度")
# The 认定单's course list (学时明细, its 序号 / 课程名称 heading) repeats 公需科目 / 专业科目 and
# 学时 on every row: the hours are read from the summary above it, so its lines are not read again,
# nor the title (继续教育学时认定单).
_HOURS_LIST = re.compile(r"学\s*时\s*明\s*细|序\s*号|课\s*程\s*名")
_HOURS_TITLE = re.compile(r"认\s*定\s*单")
# 姓名 with OCR's stray marks between (姓 “名 :); 学生 / 研究生 as a label, not in a title
# (研究生毕业证书) or the course (研究生培养计划); a birth date's line (..., 1983年5月29日生), which on a
# 毕业/学位证书 starts with the name
_NAME_PLACE = re.compile(r"姓\W{0,3}名|^\s*[姓名]\s*$|(?:学\s*生|研究\s*生)(?!\s*(?:毕|培|学\s*位))|兹证明"
                         r"|持证人\s*[:：]|性\s*别|[男女]\s*[,，]|日\s*生")
NAME_ROWS = 4   # lines above an ID number's label read again for a name found nowhere
_HOUR_KEYS = ("ce_year", "ce_public_hours", "ce_professional_hours", "ce_total_hours")
_DATE_KEYS = ("graduation", "degree_award", "title_approval")
_PLACES = {"name": _NAME_PLACE, "id_number": _ID_PLACE} | dict.fromkeys(_DATE_KEYS, _DATE_PLACE) \
    | dict.fromkeys(_HOUR_KEYS, _HOURS_PLACE)


def result_fields(kind: MaterialKind, result: OcrResult) -> CertificateFields:
    """The fields of one engine's result; a cascade's two readings merged."""
    fields = extract_fields(kind, result.text, result.line_scores, result.char_scores)
    if result.first is None:
        return fields
    first = result.first
    return merge(kind, extract_fields(kind, first.text, first.line_scores, first.char_scores), fields)


@dataclass(frozen=True)
class FieldsConfirm:
    """The extract stage's `confirm` for one certificate: `confirms` on the fields read from a
    result (`result_fields`: a cascade's two readings merged), and `bands`: where on the page the fast reading fell
    short, so that a cascade's strong engine may read only there."""

    kind: MaterialKind
    declared: DeclaredFacts

    def read(self, result: OcrResult) -> CertificateFields:
        return result_fields(self.kind, result)

    def __call__(self, result: OcrResult) -> bool:
        # Exact name and ID number (a tolerant match would keep misread names), and every field
        # the rules need read, trusted and agreeing with the roster.
        flat = "".join(normalize_ocr_text(result.page_text).split()).upper()
        return confirms(self.kind, self.read(result), flat, self.declared)

    def settled(self, result: OcrResult) -> bool:
        """Whether reading the whole page could change nothing the reviewer sees, after the bands'
        reading did not confirm: every field the rules need read, and each either trusted (and
        not differing) or shown 一致 because the value read, unsure, is the declared one (a name
        or ID number exactly, a date to the day), or a date whose year the bands show under the
        seal (二〇一专用年六月三十日: the page shows the same seal; the date stays unsure). A field
        missing, unsure without a declared value, or differing still sends the whole page (a ✗
        is shown only after the whole page was read)."""
        fields = self.read(result)
        statuses = {j.field: j.status for j in judge_fields(self.kind, fields, self.declared, "")}
        # a name or ID number judged 一致 with a character forgiven may still be read right
        exact = {"name": "".join(self.declared.name.split()),
                 "id_number": (self.declared.id_number or "").upper()}
        sealed = result.part and any(_SEAL_IN_YEAR.search(line) and "生" not in line  # not the birth date
                                     for line in normalize_ocr_text(result.text).split("\n"))
        for key in EXPECTED_FIELDS.get(self.kind, ()):
            status = statuses.get(key)
            if key in _DATE_KEYS and sealed and status != DIFFERS:
                continue  # the seal lies over the date's year: the page shows the same seal
            if key in exact and (fields.value(key) or "").upper() != exact[key]:
                return False
            if key in _DATE_KEYS and fields.date_precision.get(key) != "day":
                return False  # 一致 to the month: the day the page may read could differ
            if status == AGREE or (status == READ and fields.trusted(key)):
                continue
            return False
        return True

    def lines(self, result: OcrResult) -> list[Box]:
        """The boxes of the first (fast) reading's lines that the fast engine may read again line
        by line, after the strong engine's bands did not confirm: when a date the rules need is
        not trusted, the lines that may hold a Chinese-numeral date (no four digits: those the
        page's reading reads) — tesseract's reading of one, alone never trusted, may agree with
        the strong engine's (two engines). At most `REREAD_LINES`."""
        first = result.first
        if first is None or not first.line_boxes:
            return []
        fields = self.read(result)
        if all(fields.trusted(k) for k in EXPECTED_FIELDS.get(self.kind, ()) if k in _DATE_KEYS):
            return []
        text_lines = normalize_ocr_text(first.text).split("\n")
        found = [first.line_boxes[i] for i, line in enumerate(text_lines)
                 if i < len(first.line_boxes) and _CN_DATE_PLACE.search(line) and not _YEAR.search(line)]
        return [box for box in found if box is not None][:REREAD_LINES]

    def bands(self, reading: OcrResult) -> list[Band] | None:
        """The horizontal bands of the page (top, bottom as shares of its height) holding the
        lines of the fields `reading` did not confirm: the line a field was read on, else the
        lines where it may stand (a date's numerals, a name's label); None when a field has no
        such line or the reading gives no lines' boxes (then the whole page is read)."""
        lines = _lines_short(self.kind, self.read(reading), reading, self.declared)
        if lines is None or not reading.line_boxes:
            return None
        bands: list[Band] = []
        for i in sorted(lines):
            box = reading.line_boxes[i] if i < len(reading.line_boxes) else None
            if box is None:
                return None
            margin = BAND_MARGIN * (box[3] - box[1])
            bands.append((max(0.0, box[1] - margin), min(1.0, box[3] + margin)))
        merged: list[Band] = []
        for top, bottom in sorted(bands):
            if merged and top <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
            else:
                merged.append((top, bottom))
        if not merged or sum(b - a for a, b in merged) > BAND_SHARE:
            return None
        return merged


def _lines_short(kind: MaterialKind, fields: CertificateFields, reading: OcrResult,
                 declared: DeclaredFacts) -> set[int] | None:
    """The lines of `reading` to read again for the fields it does not confirm, and for a name or
    ID number read exactly but not surely (the strong engine agreeing makes it trusted); None
    when a field that is short has no line to look at."""
    text_lines = normalize_ocr_text(reading.text).split("\n")
    flat = "".join("".join(text_lines).split()).upper()
    statuses = {j.field: j.status for j in judge_fields(kind, fields, declared, "")}
    name = "".join(declared.name.split())
    short: list[str] = []
    for key in EXPECTED_FIELDS.get(kind, ()):
        if key == "name":
            if not fields.trusted(key) or not name or name not in flat or statuses.get(key) == DIFFERS:
                short.append(key)
        elif key == "id_number":
            if not fields.trusted(key) or not declared.id_number \
                    or declared.id_number.upper() not in flat or statuses.get(key) == DIFFERS:
                short.append(key)
        elif not fields.trusted(key) or statuses.get(key) not in (AGREE, READ):
            short.append(key)
    lines: set[int] = set()
    listed = next((i for i, line in enumerate(text_lines) if _HOURS_LIST.search(line)), len(text_lines))
    for key in short:
        # a date may have been taken from the wrong line (a course's end for the graduation):
        # every line that may hold one is read again
        place = _PLACES.get(key)
        found = {i for i, line in enumerate(text_lines) if place is not None and place.search(line)}
        if key in _HOUR_KEYS:
            found = {i for i in found if i < listed and not _HOURS_TITLE.search(text_lines[i])}
        if key in _DATE_KEYS:
            # not a number's digits (its zeros are no 〇), nor the birth date's or the course's
            # line, whose dates tesseract reads in digits (the line a date was taken from is
            # added below)
            found = {i for i in found if place is not None and place.search(_LONG_DIGITS.sub(" ", text_lines[i]))
                     and not _OTHER_DATES.search(text_lines[i])}
        if key == "name" and name:
            # the declared name read apart from its misread label (闪 。、 大 | 陈 阳)
            found |= {i for i, line in enumerate(text_lines) if name in "".join(line.split())}
        if key == "name" and not found and kind in (MaterialKind.TITLE_CERT, MaterialKind.CE_RECORD):
            # label and name both misread (到 | 疡 湖 强): on a 职称证书 or 认定单 the name's row
            # comes before the ID number's, so the lines just above its label are read again
            id_line = next((i for i, line in enumerate(text_lines) if _ID_PLACE.search(line)), None)
            if id_line is not None:
                found = set([i for i in range(id_line) if text_lines[i].strip()][-NAME_ROWS:])
        if key == "title_approval" and fields.value(key) is not None and key in fields.lines \
                and _beside_label(fields.lines[key], text_lines, reading.line_boxes):
            found = set()  # read beside its label (批准时间：...): that line, not every date's
        if key in fields.lines and fields.value(key) is not None:
            found.add(fields.lines[key])
        if not found:
            return None
        lines |= found
    return lines


def _beside_label(at: int, text_lines: list[str], boxes: tuple[tuple[float, float, float, float] | None, ...]) -> bool:
    """Whether line `at` holds the approval's label, or a line on the same row does (tesseract's
    psm 11 reads 批准时间 and its value as lines of their own)."""
    if _APPROVAL_LABEL.search(text_lines[at]):
        return True
    box = boxes[at] if at < len(boxes) else None
    if box is None:
        return False
    return any(other is not None and i != at and box[1] <= (other[1] + other[3]) / 2 <= box[3]
               and _APPROVAL_LABEL.search(text_lines[i])
               for i, other in enumerate(boxes[:len(text_lines)]))
