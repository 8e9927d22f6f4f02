"""Material kinds (材料名称): what each uploaded file is, judged from its file name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class MaterialKind(StrEnum):
    """The canonical material names of docs/reference.md §2."""

    APPRAISAL_FORM = "专业技术职称评审表"
    DIPLOMA = "学历证书"
    DEGREE_CERT = "学位证书"
    CE_RECORD = "继续教育学时认定单"
    TITLE_CERT = "现职称证书"
    ACHIEVEMENTS = "业绩材料"
    WORK_REPORT = "述职报告"
    ID_CARD = "身份证"
    OTHER = "其他材料"


class Form(StrEnum):
    """The form a material is expected in."""

    PDF = "pdf"
    IMAGE = "image"
    ANY = "any"


# The order of docs/reference.md §2; also the order materials are listed in messages and packets.
ORDER: list[MaterialKind] = [
    MaterialKind.APPRAISAL_FORM,
    MaterialKind.DIPLOMA,
    MaterialKind.DEGREE_CERT,
    MaterialKind.CE_RECORD,
    MaterialKind.TITLE_CERT,
    MaterialKind.ACHIEVEMENTS,
    MaterialKind.WORK_REPORT,
    MaterialKind.ID_CARD,
    MaterialKind.OTHER,
]

EXPECTED_FORM: dict[MaterialKind, Form] = {
    MaterialKind.APPRAISAL_FORM: Form.PDF,
    MaterialKind.DIPLOMA: Form.IMAGE,
    MaterialKind.DEGREE_CERT: Form.IMAGE,
    MaterialKind.CE_RECORD: Form.IMAGE,
    MaterialKind.TITLE_CERT: Form.IMAGE,
    MaterialKind.ACHIEVEMENTS: Form.PDF,
    MaterialKind.WORK_REPORT: Form.PDF,
    MaterialKind.ID_CARD: Form.IMAGE,
    MaterialKind.OTHER: Form.ANY,
}

# Kinds whose content is checked against the applicant (name, ID number) after OCR.
CERTIFICATE_KINDS: frozenset[MaterialKind] = frozenset(
    {
        MaterialKind.DIPLOMA,
        MaterialKind.DEGREE_CERT,
        MaterialKind.TITLE_CERT,
        MaterialKind.CE_RECORD,
        MaterialKind.ID_CARD,
    }
)

# Every name (canonical or variant) that maps to a kind. Matching is by substring, longest
# first, so the more specific name always wins: 学位证书 over 学历, 职称评审表 over 现职称 etc.
_ALIASES: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind.APPRAISAL_FORM: (
        "专业技术职称评审表", "专业技术职务评审表", "专业技术资格评审表", "职称评审表",
        "评审申报表", "职称申报表", "评审表",
    ),
    MaterialKind.DIPLOMA: ("学历证书", "毕业证书", "毕业证", "学历证", "学历"),
    MaterialKind.DEGREE_CERT: ("学位证书", "学位证", "学位"),
    MaterialKind.CE_RECORD: (
        "继续教育学时认定单", "继续教育学时", "继续教育证明", "继续教育登记", "学时认定单",
        "继续教育",
    ),
    MaterialKind.TITLE_CERT: (
        "现职称证书", "专业技术资格证书", "职称证书", "资格证书", "现职称", "职称证",
    ),
    MaterialKind.ACHIEVEMENTS: ("业绩材料", "工作业绩", "业绩证明", "业绩"),
    MaterialKind.WORK_REPORT: ("述职报告", "个人述职", "工作总结", "述职"),
    MaterialKind.ID_CARD: ("身份证正面", "身份证反面", "身份证"),
    MaterialKind.OTHER: ("其他材料", "其它材料"),
}

_BY_LENGTH: list[tuple[str, MaterialKind]] = sorted(
    ((alias, kind) for kind, aliases in _ALIASES.items() for alias in aliases),
    key=lambda pair: -len(pair[0]),
)

# Brackets and dashes that NFKC leaves alone but people type in file names.
_TRANSLATE = str.maketrans(
    {"【": "(", "】": ")", "〔": "(", "〕": ")", "〈": "(", "〉": ")", "《": "(", "》": ")",
     "—": "-", "–": "-", "－": "-", "、": " ", "\u3000": " "}
)
_EXTENSION = re.compile(r"\.[0-9a-z]{1,5}$")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUM = r"(\d{1,2}|[一二三四五六七八九十])"
# A part suffix: "(2)" / "（2）" (after NFKC), or "-2", "_2", " 2", ".2" after a separator.
_PART_SUFFIX = re.compile(r"(?:\(\s*" + _NUM + r"\s*\)|[-_\s.]+" + _NUM + r")\s*$")
# A bare number right after a known name, e.g. "业绩材料2".
_BARE_PART = re.compile(_NUM + r"\s*$")
# Everything that is not a letter or a digit (spaces, punctuation, separators).
_NOISE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Classified:
    """The kind a file name maps to; part is 1 for the first file of a kind, 2 for "-2" etc."""

    kind: MaterialKind
    recognized: bool
    part: int


def _normalize(filename: str) -> str:
    """Return the lower-case NFKC stem of a file name, without directories and extension."""
    name = unicodedata.normalize("NFKC", filename).translate(_TRANSLATE)
    name = re.split(r"[\\/]", name)[-1].strip().lower()
    name = _EXTENSION.sub("", name)
    return name.strip()


def _part_number(token: str) -> int:
    """Turn "2" or "二" into 2; an explicit 0 is taken as the first part."""
    value = _CN_DIGITS[token] if token in _CN_DIGITS else int(token)
    return max(value, 1)


def _find_kind(text: str) -> tuple[MaterialKind, str, int] | None:
    """Return the kind of the longest known name in text, that name, and where it ends."""
    compact = _NOISE.sub("", text)
    for alias, kind in _BY_LENGTH:
        at = compact.rfind(alias)
        if at >= 0:
            return kind, alias, at + len(alias)
    return None


def classify(filename: str) -> Classified:
    """Map a file name (any case, full-width or half-width, with a name/ID prefix) to its kind."""
    stem = _normalize(filename)
    part = 0
    core = stem
    suffix = _PART_SUFFIX.search(stem)
    if suffix is not None and _find_kind(stem[: suffix.start()]) is not None:
        core = stem[: suffix.start()]
        part = _part_number(suffix.group(1) or suffix.group(2))
    else:
        bare = _BARE_PART.search(stem)
        if bare is not None:
            found = _find_kind(stem[: bare.start()])
            before = _NOISE.sub("", stem[: bare.start()])
            if found is not None and found[2] == len(before):
                core = stem[: bare.start()]
                part = _part_number(bare.group(1))
    found = _find_kind(core)
    if found is None:
        return Classified(MaterialKind.OTHER, False, 1)
    if part == 0:
        # The back of an ID card is its second file, so 正面 and 反面 never collide.
        part = 2 if found[1] == "身份证反面" else 1
    return Classified(found[0], True, part)


_NO_DEGREE = {"", "无", "没有", "否", "-", "—", "/", "／", "none", "null", "n/a"}
_TITLED_LEVELS = {"中级", "副高级", "正高级", "副高", "正高"}


def required_kinds(level: str | None, degree: str | None) -> list[MaterialKind]:
    """Return the kinds an application at this level with this declared degree must contain."""
    required = {
        MaterialKind.APPRAISAL_FORM,
        MaterialKind.DIPLOMA,
        MaterialKind.CE_RECORD,
        MaterialKind.ACHIEVEMENTS,
        MaterialKind.WORK_REPORT,
    }
    if degree is not None and degree.strip().lower() not in _NO_DEGREE:
        required.add(MaterialKind.DEGREE_CERT)
    if level is not None and level.strip() in _TITLED_LEVELS:
        required.add(MaterialKind.TITLE_CERT)
    return [kind for kind in ORDER if kind in required]
