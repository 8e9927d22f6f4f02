"""The year's rule set (docs/reference.md §1c): the thresholds of one year, as frozen values.

The file is read by `pipeline.rules.loader.load_ruleset`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from pipeline.domain.vocabulary import UnitKind
from pipeline.errors import ConfigError
from pipeline.roster.fields import LEVELS

# The kinds of unit of the registry (docs/reference.md §1b).
UNIT_KINDS = tuple(UnitKind)
TENURE_LEVELS = LEVELS[1:]  # 初级 has no title below it
DEFAULT_SERIES = "default"
# The checks a path (申报途径) may lift, with their Chinese names.
RELAXABLE = {"tenure": "任职年限", "education": "学历要求", "age": "年龄限制"}

_RULESETS = Path(__file__).resolve().parent / "rulesets"


class RuleSetError(ConfigError):
    """A rule-set file that cannot be used; the Chinese message names the file and the line."""


def series_key(series: str) -> str:
    """The tenure-table key of a series: 工程系列 and 工程 are the same series."""
    key = "".join(series.split())
    return key.removesuffix("系列") or key


@dataclass(frozen=True)
class ContinuingEducation:
    """The continuing-education minimums of one year (继续教育学时)."""

    annual_hours: float
    public_min_hours: float
    professional_min_share: Fraction  # of annual_hours

    @property
    def professional_min_hours(self) -> float:
        return float(Fraction(self.annual_hours) * self.professional_min_share)


@dataclass(frozen=True)
class TenureRule:
    """The full years an applicant with `education` must have held the title below `level`."""

    series: str                      # a series_key, or DEFAULT_SERIES
    level: str
    education: str
    years: int                       # 0: may apply directly
    unit_kinds: tuple[str, ...] = ()  # only staff of these kinds of unit; empty: every kind
    county_level: bool = False       # also staff of county-level units (县级单位 in the registry)

    def open_to(self, unit_kind: str | None, county_level: bool = False) -> bool | None:
        """Whether staff of such a unit may use this rule; None when the unit kind is unknown."""
        if not self.unit_kinds or (county_level and self.county_level):
            return True
        if unit_kind is None:
            return None
        return unit_kind in self.unit_kinds


@dataclass(frozen=True)
class AgeLimit:
    """Applicants from `unit_kinds` to `levels` must be under an age (by gender) at the cut-off."""

    unit_kinds: tuple[str, ...]
    levels: tuple[str, ...]
    male_under: int
    female_under: int

    def under(self, gender: str) -> int:
        return self.male_under if gender == "男" else self.female_under


@dataclass(frozen=True)
class Relaxation:
    """The checks (keys of RELAXABLE) an application path lifts."""

    path: str
    lifts: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """The thresholds of one year, as an operator wrote them in the rule-set file."""

    year: int
    cutoff_date: date                # 材料截止日期
    publicity_min_working_days: int
    continuing_education: ContinuingEducation
    report_min_chars: int
    tenure: tuple[TenureRule, ...]
    age_limits: tuple[AgeLimit, ...]
    relaxations: tuple[Relaxation, ...]
    source: str = ""                 # the file it was read from
    # Build each unit's recommendation batch (推荐上报) as soon as its publicities close.
    auto_recommend: bool = False

    def tenure_rules(self, series: str, level: str) -> tuple[TenureRule, ...]:
        """The tenure table of a series and level, else the default series' one; () when none."""
        for key in (series_key(series), DEFAULT_SERIES):
            found = tuple(r for r in self.tenure if r.series == key and r.level == level)
            if found:
                return found
        return ()

    def tenure_years(self, series: str, level: str, education: str, unit_kind: str | None,
                     *, county_level: bool = False) -> int | None:
        """The years required; None when that education is not eligible there (or no table)."""
        for rule in self.tenure_rules(series, level):
            if rule.education == education and rule.open_to(unit_kind, county_level):
                return rule.years
        return None

    def age_limit(self, unit_kind: str, level: str, gender: str) -> int | None:
        """The age the applicant must be under at the cut-off; None when there is no limit."""
        limits = [a.under(gender) for a in self.age_limits
                  if unit_kind in a.unit_kinds and level in a.levels]
        return min(limits) if limits else None

    def lifted(self, path: str | None) -> tuple[str, ...]:
        """The checks an application path lifts (keys of RELAXABLE)."""
        return next((r.lifts for r in self.relaxations if r.path == path), ())


def default_ruleset_path(year: int) -> Path:
    """The rule-set file shipped with the package for `year` (it may not exist)."""
    return _RULESETS / f"{int(year)}.toml"
