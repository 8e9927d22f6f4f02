"""ID numbers and certificate numbers on a certificate.

Certificate numbers by kind: a 毕业证书's 18 digits (school code, level at 11-12, year at 7-10),
a 学位证书's 16 digits (degree at 6, year at 7-10), and on a 现职称证书 or 认定单 whatever the
issuer uses: digits (43201813687471), letters and digits (GC2019-0123, HNZC20180456), or a
document number (湘职改办字〔2019〕123号, 湘人社职字(2019)第0123号).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.domain.identity import id_check_digit
from pipeline.domain.materials import MaterialKind

from .text import normalize_ocr_text

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


def plausible_birth(value: str) -> bool:
    """Whether digits 7-14 of an 18-character run are a birth date (1900-2100)."""
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
        if not (labeled or plausible_birth(value)):
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


def best_id(candidates: list[IdCandidate]) -> IdCandidate | None:
    """The candidate most likely the holder's: a right check digit, then a label, then first."""
    if not candidates:
        return None
    return sorted(candidates, key=lambda c: (not c.check_ok, not c.labeled, c.start))[0]


# --- certificate numbers ------------------------------------------------------------------------

_NUMBER_LABELS: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind.DIPLOMA: ("学历证书编号", "毕业证书编号", "证书编号", "证书号", "证号", "编号", "No"),
    MaterialKind.DEGREE_CERT: ("学位证书编号", "证书编号", "证书号", "证号", "编号", "No"),
    MaterialKind.TITLE_CERT: ("证书编号", "证书号", "证号", "管理号", "文号", "编号", "No"),
    MaterialKind.CE_RECORD: ("认定单编号", "证书编号", "编号", "No"),
}
_DIGITS_VALUE = r"(?P<v>[0-9](?:[ ]?[0-9]){5,24})(?![0-9])"
# Letters and digits (GC2019-0123, HNZC20180456), digits, or a document number (湘职改办字〔2019〕123号).
_CODE_VALUE = (r"(?P<v>[A-Z]{1,6}[ ]?[0-9](?:[ ]?[0-9A-Z\-]){3,24}(?![0-9A-Za-z])"
               r"|[0-9](?:[ ]?[0-9\-]){5,24}(?![0-9])"
               r"|[\u4e00-\u9fff]{2,8}[〔\[(（][0-9]{4}[〕\])）]第?[0-9]{1,6}号?)")
_AFTER_LABEL = r"[ ]*[:：.#]?[ ]*\.?[ ]*(?:\n[ ]*){0,3}"
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,6}字[ ]?[〔\[(（][ ]?[0-9]{4}[ ]?[〕\])）][ ]?第?[ ]?[0-9]{1,6}[ ]?号")
_LETTER_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}[ ]?[0-9]{4}(?:[\-][0-9]{2,8}|[0-9]{2,8})(?![0-9A-Za-z])")


def _label_pattern(label: str, value: str) -> re.Pattern[str]:
    if label == "No":
        return re.compile(r"(?<![A-Za-z])[Nn][Oo]" + _AFTER_LABEL + value)
    spaced = r"[ ]?".join(re.escape(ch) for ch in label)
    # 证号 is no certificate number's label inside 身份证号.
    guard = r"(?<!份)(?<!份 )" if label.startswith("证") else ""
    return re.compile(guard + spaced + _AFTER_LABEL + value)


_CODED = (MaterialKind.TITLE_CERT, MaterialKind.CE_RECORD)
_NUMBER_PATTERNS: dict[MaterialKind, list[re.Pattern[str]]] = {
    kind: [_label_pattern(label, _CODE_VALUE if kind in _CODED else _DIGITS_VALUE) for label in labels]
    for kind, labels in _NUMBER_LABELS.items()
}
DIPLOMA_LEVEL_CODES = frozenset({"01", "02", "05", "06"})


def _digit_runs(t: str, n: int) -> list[tuple[str, int, int]]:
    pattern = re.compile(rf"(?<![0-9])[0-9](?:[ ]?[0-9]){{{n - 1}}}(?![0-9])")
    return [(m.group(0).replace(" ", ""), m.start(), m.end()) for m in pattern.finditer(t)]


def year_at(value: str, at: int) -> bool:
    """Whether `value` holds a plausible year (1950-2100) at `at`."""
    return value[at:at + 4].isdigit() and 1950 <= int(value[at:at + 4]) <= 2100


_DOC_BRACKETS = str.maketrans({"[": "〔", "(": "〔", "（": "〔", "［": "〔", "【": "〔",
                               "]": "〕", ")": "〕", "）": "〕", "］": "〕", "】": "〕"})


def canonical_number(value: str) -> str:
    """A certificate number as one writes it: no spaces; a document number's year in 〔〕
    whatever brackets OCR read (湘职改办字[2019]123号 -> 湘职改办字〔2019〕123号)."""
    value = re.sub(r"\s", "", value)
    if re.search(r"[\u4e00-\u9fff]", value):
        value = value.translate(_DOC_BRACKETS)
    return value


@dataclass(frozen=True)
class FoundNumber:
    """A certificate number, where it is, and whether a label stood before it."""

    value: str
    start: int
    labeled: bool


def certificate_number(kind: MaterialKind, t: str) -> FoundNumber | None:
    """The certificate's own number in the normalized text `t`: after its label, else by format."""
    for pattern in _NUMBER_PATTERNS.get(kind, ()):
        for m in pattern.finditer(t):
            value = canonical_number(m.group("v"))
            if kind in _CODED and not any(ch.isdigit() for ch in value):
                continue
            if kind in _CODED and len(value) == 18 and plausible_birth(value) \
                    and id_check_digit(value[:17]) == value[17]:
                continue  # an ID number under a loose label
            return FoundNumber(value, m.start("v"), True)
    # No label next to it (OCR often puts labels and values in separate columns): the format.
    if kind is MaterialKind.DIPLOMA:
        labeled_ids = {c.value for c in find_id_candidates(t, normalized=True) if c.labeled}
        runs = [r for r in _digit_runs(t, 18) if year_at(r[0], 6) and r[0] not in labeled_ids]
        shaped = [r for r in runs if r[0][10:12] in DIPLOMA_LEVEL_CODES]
        picks = shaped or runs
        return FoundNumber(picks[0][0], picks[0][1], False) if picks else None
    if kind is MaterialKind.DEGREE_CERT:
        runs = [r for r in _digit_runs(t, 16) if year_at(r[0], 6)]
        shaped = [r for r in runs if r[0][5] in "234"]
        picks = shaped or runs
        return FoundNumber(picks[0][0], picks[0][1], False) if picks else None
    if kind in _CODED:
        for pattern in (_DOC_NUMBER, _LETTER_CODE):
            coded = pattern.search(t)
            if coded:
                return FoundNumber(canonical_number(coded.group(0)), coded.start(), False)
    if kind is MaterialKind.TITLE_CERT:
        for m in re.finditer(r"(?<![0-9])[0-9]{10,20}(?![0-9Xx])", t):
            value = m.group(0)
            if len(value) == 18 and plausible_birth(value):
                continue  # an ID number
            return FoundNumber(value, m.start(), False)
    return None
