"""What the roster declares about an applicant, as far as the certificates can show it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DeclaredFacts:
    """What the roster says about the applicant, as far as the certificates can show it."""

    name: str
    id_number: str
    level: str | None = None                  # 申报级别
    education: str | None = None              # 最高学历: 大学本科, 硕士研究生 ...
    degree: str | None = None                 # 最高学位: 学士, 硕士, 博士, 无
    graduation_date: date | None = None
    current_title_date: date | None = None    # 现职称取得时间
    year: int | None = None                   # 申报年度
    ce_hours: float | None = None
    ce_public_hours: float | None = None
    ce_professional_hours: float | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> DeclaredFacts:
        """From a roster row's typed values (`pipeline.roster.fields.parse_fields(...).values`)."""
        def number(key: str) -> float | None:
            v = values.get(key)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        def text(key: str) -> str | None:
            v = values.get(key)
            return str(v) if v not in (None, "") else None

        grad = values.get("graduation_date")
        title_date = values.get("current_title_date")
        year = values.get("year")
        return cls(
            name=text("name") or "", id_number=text("id_number") or "", level=text("level"),
            education=text("education"), degree=text("degree"),
            graduation_date=grad if isinstance(grad, date) else None,
            current_title_date=title_date if isinstance(title_date, date) else None,
            year=int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None,
            ce_hours=number("ce_hours"), ce_public_hours=number("ce_public_hours"),
            ce_professional_hours=number("ce_professional_hours"),
        )
