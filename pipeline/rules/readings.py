"""Each field read from a certificate beside what the roster declares, judged once (in the check
stage) and stored, so the packet, `apps show` and the API show the same judgement the findings
were raised on:

- `agree`    the reading shows the declared value;
- `differs`  the reading is trusted and differs (shown as ✗ 不一致; the only status that raises a
             mismatch finding);
- `unsure`   the reading is not trusted, or trusted but implausible against the roster (an award
             before the holder was 18): shown as 未能可靠识别, never as a mismatch;
- `read`     nothing declared to compare with (a certificate number, a 学位授予时间).

`confirms` is the same judgement asked early, by the extract stage's cascade: a fast reading is kept
only when every field the rules need is read, trusted and plausible, and none differs from the
roster (a value that would raise ✗ is read again by the strong engine first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.documents.fields import (
    FIELD_LABELS,
    CertificateFields,
    untrusted_fields,
)
from pipeline.domain.materials import MaterialKind
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.identity_match import id_matches
from pipeline.rules.names import name_chars, names_match

AGREE, DIFFERS, UNSURE, READ = "agree", "differs", "unsure", "read"
STATUS_LABELS = {AGREE: "一致", DIFFERS: "✗ 不一致", UNSURE: "未能可靠识别", READ: "—"}
ADULT_AT = 18   # an award or approval before this age is implausible


@dataclass(frozen=True)
class FieldJudgement:
    """One field of one certificate file: what the roster declares, what was read, the verdict."""

    material: str        # the file (as the findings name it)
    kind: str            # the material kind
    field: str           # the field's key (graduation, ce_total_hours ...)
    label: str           # its Chinese name
    declared: str        # the roster's value as shown ("" when none)
    read: str            # the value read as shown ("" when unsure: it is not shown as a reading)
    status: str          # agree / differs / unsure / read
    doubt: str = ""      # why unsure (a code: misread-char, implausible, engines-disagree ...)
    raw: str = ""        # the value read, even when unsure (for --json and the API)

    @property
    def status_label(self) -> str:
        """The verdict in Chinese: 一致, ✗ 不一致, 未能可靠识别, —."""
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict[str, Any]:
        """The judgement as stored with the application and given by --json and the API."""
        return {"material": self.material, "kind": self.kind, "field": self.field,
                "label": self.label, "declared": self.declared, "read": self.read,
                "status": self.status, "status_label": self.status_label, "doubt": self.doubt,
                "raw": self.raw}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldJudgement:
        """A stored judgement back."""
        return cls(**{k: str(data.get(k) or "") for k in (
            "material", "kind", "field", "label", "declared", "read", "status", "doubt", "raw")})


# Dates compared with a roster column, per kind; None: shown without comparison.
DATE_FIELDS: dict[MaterialKind, tuple[tuple[str, str | None], ...]] = {
    MaterialKind.DIPLOMA: (("graduation", "graduation_date"),),
    MaterialKind.DEGREE_CERT: (("degree_award", None),),
    MaterialKind.TITLE_CERT: (("title_approval", "current_title_date"),),
}
HOUR_FIELDS = (("ce_total_hours", "ce_hours"), ("ce_public_hours", "ce_public_hours"),
               ("ce_professional_hours", "ce_professional_hours"))
_PRECISION_WIDTH = {"year": 4, "month": 7, "day": 10}


def _date_text(d: date, precision: str) -> str:
    return d.isoformat()[:_PRECISION_WIDTH.get(precision, 10)]


def _hours_text(v: float) -> str:
    return f"{v:g}"


def _age_at(declared: DeclaredFacts, when: date) -> float | None:
    digits = declared.id_number or ""
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None
    return (when - born).days / 365.25


def judge_fields(kind: MaterialKind, fields: CertificateFields, declared: DeclaredFacts,
                 material: str, *, name_shown: bool | None = None,
                 id_shown: bool | None = None) -> list[FieldJudgement]:
    """Every field read from one certificate, judged against the roster. `name_shown` and
    `id_shown` are the name and ID checks' own verdicts on the whole text (None: judge the field
    read alone)."""
    out: list[FieldJudgement] = []

    def add(key: str, declared_text: str, read_text: str, status: str, doubt: str = "") -> None:
        out.append(FieldJudgement(material, str(kind), key, FIELD_LABELS.get(key, key), declared_text,
                                  "" if status == UNSURE else read_text, status, doubt, read_text))

    def verdict(key: str, same: bool | None, plausible: bool = True) -> tuple[str, str]:
        if same is None:
            return (READ, "") if fields.trusted(key) else (UNSURE, fields.doubts.get(key, "unsure"))
        if same:
            return AGREE, ""
        if not fields.trusted(key):
            return UNSURE, fields.doubts.get(key, "unsure")
        return (DIFFERS, "") if plausible else (UNSURE, "implausible")

    # The name and ID checks' own verdicts stand: a mismatch finding raised on them is ✗ here.
    if fields.name:
        if name_shown is not None and name_chars(declared.name):
            add("name", declared.name, fields.name, AGREE if name_shown else DIFFERS)
        else:
            same = names_match(declared.name, fields.name) if name_chars(declared.name) else None
            add("name", declared.name, fields.name, *verdict("name", same or None))
    if fields.id_number:
        if id_shown is not None and declared.id_number:
            add("id_number", declared.id_number, fields.id_number, AGREE if id_shown else DIFFERS)
        else:
            same = id_matches(declared.id_number, fields.id_number) if declared.id_number else None
            add("id_number", declared.id_number, fields.id_number, *verdict("id_number", same or None))
    for key, column in DATE_FIELDS.get(kind, ()):
        seen = fields.dates.get(key)
        if seen is None:
            continue
        precision = fields.date_precision.get(key, "day")
        wanted: date | None = getattr(declared, column) if column else None
        age = _age_at(declared, seen)
        plausible = age is None or age >= ADULT_AT
        if wanted is None:
            status, doubt = verdict(key, None)
            if status == READ and not plausible:
                status, doubt = UNSURE, "implausible"
            add(key, "", _date_text(seen, precision), status, doubt)
            continue
        width = _PRECISION_WIDTH.get(precision, 10)
        same = wanted.isoformat()[:width] == seen.isoformat()[:width]
        add(key, wanted.isoformat(), _date_text(seen, precision), *verdict(key, same, plausible))
    if kind is MaterialKind.CE_RECORD:
        if fields.ce_year is not None:
            expected = declared.year - 1 if declared.year else None
            same = None if expected is None else fields.ce_year == expected
            add("ce_year", str(expected) if expected else "", str(fields.ce_year), *verdict("ce_year", same))
        for key, column in HOUR_FIELDS:
            seen_hours: float | None = fields.value(key)
            if seen_hours is None:
                continue
            roster: float | None = getattr(declared, column)
            same = None if roster is None else abs(roster - seen_hours) <= 0.01
            add(key, _hours_text(roster) if roster is not None else "", _hours_text(seen_hours),
                *verdict(key, same))
    if fields.certificate_number:
        add("certificate_number", "", fields.certificate_number, *verdict("certificate_number", None))
    return out


def confirms(kind: MaterialKind, fields: CertificateFields, flat_text: str,
             declared: DeclaredFacts) -> bool:
    """Whether a fast reading is good enough to keep: the declared name (and, where the kind
    prints one, ID number) exactly in the text, every field the rules need read and trusted, and
    nothing that would be judged `differs` or `unsure` against the roster."""
    name = "".join(declared.name.split())
    if not name or name not in flat_text:
        return False
    prints_id = kind not in (MaterialKind.DIPLOMA, MaterialKind.DEGREE_CERT)
    if prints_id and (not declared.id_number or declared.id_number.upper() not in flat_text):
        return False
    # the name found beside its label, and every field trusted: a name or ID number read exactly
    # but unsurely (tesseract's line under 0.55) is read again where it stands (`bands`), so that
    # the strong engine agreeing makes it trusted
    if fields.name is None or untrusted_fields(kind, fields):
        return False
    # the name read is the declared one: another name read surely by the strong engine is no
    # confirmation because the first engine's text showed the declared one (the name check
    # judges a whole page's text; the field alone is not judged against the roster)
    if "".join(fields.name.split()) != name:
        return False
    return all(j.status in (AGREE, READ) for j in judge_fields(kind, fields, declared, ""))
