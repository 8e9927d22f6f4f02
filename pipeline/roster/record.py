"""One roster row as one typed record, parsed once at intake and stored with the application.

`RosterRecord.parse` runs `parse_fields` with the intake's one `today`; the application key
(ID number, year, unit code, title) comes from it, the typed columns of the application are its
values, and its problems are stored beside the raw row (`Application.roster["problems"]`). The
check stage and the HTTP adapter's authorization use the same record (`from_stored`), so a row is
never re-parsed with another date or another reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.domain.text import excel_number_text
from pipeline.roster.fields import FieldProblem, parse_fields

# The application's typed columns filled from the record (the key columns aside).
TYPED: tuple[str, ...] = (
    "name", "gender", "phone", "unit_name", "series", "specialty", "level", "current_title",
    "current_title_date", "education", "degree", "school", "graduation_date",
    "work_start_date", "ce_hours", "ce_public_hours", "ce_professional_hours", "path",
    "offline_review")
KEY_FIELDS: tuple[str, ...] = ("id_number", "year", "unit_code", "title_name")


def _text(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_number_text(value)
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class RosterRecord:
    """The typed values of one roster row (every roster field), its problems and its key."""

    values: dict[str, object]
    problems: list[FieldProblem] = field(default_factory=list)
    raw_id: str = ""        # the ID number as written (the key when it is invalid)
    raw_unit: str = ""      # the unit code as written (the key when it is invalid)

    @classmethod
    def parse(cls, raw: Mapping[str, object], today: date) -> RosterRecord:
        """Parse one raw row (canonical field -> cell) with the intake's `today`."""
        parsed = parse_fields(raw, today)
        return cls(parsed.values, parsed.problems, _text(raw.get("id_number")).upper(),
                   _text(raw.get("unit_code")).upper())

    @property
    def id_key(self) -> str:
        """The ID number the application is filed under (normalised when valid)."""
        return _text(self.values.get("id_number") or self.raw_id).upper()

    @property
    def unit_key(self) -> str:
        """The unit code the application is filed under (normalised when valid)."""
        return _text(self.values.get("unit_code") or self.raw_unit).upper()

    @property
    def year(self) -> int:
        value = self.values.get("year")
        return value if isinstance(value, int) else 0

    def key(self) -> dict[str, object]:
        """The application's unique key: ID number, year, unit code, title."""
        return {"id_number": self.id_key, "year": self.year, "unit_code": self.unit_key,
                "title_name": _text(self.values.get("title_name"))}

    def stored_problems(self) -> list[dict[str, str]]:
        """The problems as kept in `Application.roster["problems"]`."""
        return [{"field": p.field, "header": p.header, "raw": p.raw, "message": p.message,
                 "rule": p.rule} for p in self.problems]

    @classmethod
    def from_stored(cls, columns: Mapping[str, object], roster: Mapping[str, Any],
                    today: date) -> RosterRecord:
        """The record of a stored application: its typed columns and stored problems.

        Applications imported before records were stored carry no problems list: their raw row
        is parsed (with `today`), as it always was.
        """
        raw = roster.get("raw") or {}
        if "problems" not in roster:
            return cls.parse(raw, today)
        problems = [FieldProblem(p["field"], p["header"], p["raw"], p["message"], p["rule"])
                    for p in roster["problems"]]
        bad = {p.field for p in problems if p.message and p.rule != "text.control_chars"}
        values: dict[str, object] = {name: columns.get(name) for name in TYPED}
        # The name and key columns keep the text as written when it was not valid (the record's
        # value was None then); every other typed column was stored as the record's value.
        for name in ("name", *KEY_FIELDS):
            value = columns.get(name)
            values[name] = None if name in bad or value in ("", 0, None) else value
        return cls(values, problems, _text(raw.get("id_number")).upper(),
                   _text(raw.get("unit_code")).upper())
