"""The fields read from one certificate, how sure each reading is, and the names of the fields."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pipeline.domain.materials import MaterialKind

# How sure a reading is (see docs/ocr.md): a trusted value may be compared with the roster and
# raise a mismatch; an unsure one is shown as 未能可靠识别 and never raises one.
TRUSTED = "trusted"
UNSURE = "unsure"


@dataclass(frozen=True)
class CertificateFields:
    """The fields read from one certificate's OCR text; None (or no key) where not found.

    `trust` maps each field found to TRUSTED or UNSURE, and `doubts` says why a field is unsure
    (short English codes: `misread-char`, `low-confidence`, `implausible`, `engines-disagree`,
    `sum-mismatch`, `partial-date`, ...); `engines` names the engines whose readings agree on it.
    """

    name: str | None = None
    id_number: str | None = None
    certificate_number: str | None = None
    dates: dict[str, date] = field(default_factory=dict)
    ce_year: int | None = None
    ce_public_hours: float | None = None
    ce_professional_hours: float | None = None
    ce_total_hours: float | None = None
    confidence: float = 0.0   # the share (0..1) of the fields expected on this kind that were found
    date_precision: dict[str, str] = field(default_factory=dict)  # key -> day / month / year
    trust: dict[str, str] = field(default_factory=dict)           # field -> trusted / unsure
    doubts: dict[str, str] = field(default_factory=dict)          # field -> why it is unsure
    agreed: tuple[str, ...] = ()                                  # fields two engines read alike
    # field -> its least sure character's probability, where the engine gives them (not stored:
    # it serves trusting a reading and merging two)
    sure: dict[str, float] = field(default_factory=dict, compare=False)
    # field -> the line of the text it was read on (not stored: it serves reading that line again)
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def value(self, key: str) -> Any:
        """The value of a field by its key (a date key looks in `dates`)."""
        if key in SCALAR_FIELDS:
            return getattr(self, key)
        return self.dates.get(key)

    def trusted(self, key: str) -> bool:
        """Whether the field was read and its reading is trusted."""
        return self.value(key) is not None and self.trust.get(key) == TRUSTED

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON-ready values (dates as ISO strings), to store with the material."""
        return {
            "name": self.name, "id_number": self.id_number,
            "certificate_number": self.certificate_number,
            "dates": {k: v.isoformat() for k, v in self.dates.items()},
            "date_precision": dict(self.date_precision),
            "ce_year": self.ce_year, "ce_public_hours": self.ce_public_hours,
            "ce_professional_hours": self.ce_professional_hours,
            "ce_total_hours": self.ce_total_hours, "confidence": self.confidence,
            "trust": dict(self.trust), "doubts": dict(self.doubts), "agreed": list(self.agreed),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificateFields:
        """The fields back from `to_json`'s dictionary. A reading stored before trust was kept has
        no `trust`: its name and ID number count as trusted (they were read as well then), every
        other field as unsure (`stored-before-trust`): dates and hours were then read by first
        match, and are never shown as a mismatch."""
        dates = {k: date.fromisoformat(v) for k, v in (data.get("dates") or {}).items()}
        fields = cls(
            name=data.get("name"), id_number=data.get("id_number"),
            certificate_number=data.get("certificate_number"), dates=dates,
            ce_year=data.get("ce_year"), ce_public_hours=data.get("ce_public_hours"),
            ce_professional_hours=data.get("ce_professional_hours"),
            ce_total_hours=data.get("ce_total_hours"),
            confidence=float(data.get("confidence") or 0.0),
            date_precision=dict(data.get("date_precision") or {}),
            trust=dict(data.get("trust") or {}), doubts=dict(data.get("doubts") or {}),
            agreed=tuple(data.get("agreed") or ()),
        )
        if "trust" not in data:
            found = [k for k in (*SCALAR_FIELDS, *dates) if fields.value(k) is not None]
            trust = {k: TRUSTED if k in ("name", "id_number") else UNSURE for k in found}
            doubts = {k: "stored-before-trust" for k, v in trust.items() if v == UNSURE}
            fields = replace(fields, trust=trust, doubts=doubts)
        return fields


SCALAR_FIELDS = ("name", "id_number", "certificate_number", "ce_year", "ce_public_hours",
                 "ce_professional_hours", "ce_total_hours")

# The fields each kind of certificate prints and the rules need; `confidence` is the share found.
EXPECTED_FIELDS: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind.DIPLOMA: ("name", "certificate_number", "graduation"),
    MaterialKind.DEGREE_CERT: ("name", "certificate_number", "degree_award"),
    MaterialKind.TITLE_CERT: ("name", "id_number", "certificate_number", "title_approval"),
    MaterialKind.CE_RECORD: ("name", "id_number", "ce_year", "ce_public_hours",
                             "ce_professional_hours", "ce_total_hours"),
    MaterialKind.ID_CARD: ("name", "id_number", "birth"),
}
DEFAULT_EXPECTED = ("name",)

# Human names of the fields, for messages.
FIELD_LABELS: dict[str, str] = {
    "name": "姓名", "id_number": "身份证号", "certificate_number": "证书编号",
    "graduation": "毕业时间", "degree_award": "学位授予时间", "title_approval": "批准（评审通过）时间",
    "birth": "出生日期", "issue": "发证时间", "ce_year": "认定年度", "ce_public_hours": "公需科目学时",
    "ce_professional_hours": "专业科目学时", "ce_total_hours": "合计学时",
    "study_start": "入学时间", "study_end": "结业时间",
}


def missing_fields(kind: MaterialKind, fields: CertificateFields) -> list[str]:
    """The expected fields of this kind that were not found, by name (see EXPECTED_FIELDS)."""
    return [f for f in EXPECTED_FIELDS.get(kind, DEFAULT_EXPECTED) if fields.value(f) is None]


def untrusted_fields(kind: MaterialKind, fields: CertificateFields) -> list[str]:
    """The expected fields of this kind that are missing or not trusted."""
    return [f for f in EXPECTED_FIELDS.get(kind, DEFAULT_EXPECTED) if not fields.trusted(f)]
