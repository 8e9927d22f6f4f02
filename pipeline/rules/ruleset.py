"""The year's rule set (docs/reference.md §1c): the thresholds of one year, read from a TOML file.

`load_ruleset` turns the file into a frozen `RuleSet`, or refuses it with a `RuleSetError` whose
Chinese message names the file and the line at fault: for TOML syntax errors (tomllib's own message
is kept) and for values that are missing, of the wrong type, negative or unknown.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from pipeline.errors import ConfigError
from pipeline.roster.fields import EDUCATIONS, GENDERS, LEVELS, PATHS

# The kinds of unit of the registry (docs/reference.md §1b).
UNIT_KINDS = ("机关", "事业单位", "国有企业", "非公企业", "社会组织")
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


def load_ruleset(path: Path) -> RuleSet:
    """Read and check a rule-set file; RuleSetError names the file and the line at fault."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise RuleSetError(f"规则集文件 {path} 不存在；请检查 --rules 或 ZHICHENG_RULES 指定的路径") from None
    except OSError as error:
        raise RuleSetError(f"规则集文件 {path} 无法读取：{error.strerror or error}") from error
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[:error.start].count(b"\n") + 1
        raise RuleSetError(f"规则集文件 {path} 第{line}行：不是 UTF-8 编码的文字；请用 UTF-8 编码保存该文件") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        where = f"第{found.group(1)}行" if found else "文件末尾"
        raise RuleSetError(f"规则集文件 {path} {where}：TOML 语法错误（{error}）；请检查该行的写法："
                           "中文键名要加双引号，文字要加引号，日期写作 2026-12-31") from None
    return _Reader(path, text).ruleset(data)


# ---- reading the parsed document, with the line of every key -------------------------------

Where = tuple[str | int, ...]  # a key path; an int is the index in an array of tables

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"\s*({_DOTTED})\s*=")

_LABELS = {
    "year": "申报年度", "materials": "材料", "cutoff_date": "材料截止日期", "publicity": "公示",
    "min_working_days": "公示最少工作日天数", "continuing_education": "继续教育",
    "annual_hours": "每年继续教育学时", "public_min_hours": "公需科目最少学时",
    "professional_min_share": "专业科目最少占比", "report": "述职报告",
    "min_chars": "述职报告最少字数", "tenure": "任职年限表", "age_limits": "年龄限制",
    "relaxations": "申报途径的放宽", "years": "年数", "unit_kinds": "单位性质",
    "county_level": "县级单位", "levels": "申报级别", "under": "须未满的周岁",
    DEFAULT_SERIES: "通用任职年限表",
}


def _key_parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for part in re.findall(_KEY, dotted):
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _index_lines(lines: list[str]) -> dict[Where, int]:
    """The 1-based line where each table and key of the document is written."""
    index: dict[Where, int] = {}
    table: Where = ()
    counts: dict[Where, int] = {}
    for number, line in enumerate(lines, 1):
        if found := _ARRAY_HEADER.match(line):
            name = _key_parts(found.group(1))
            counts[name] = counts.get(name, -1) + 1
            table = name + (counts[name],)
        elif found := _TABLE_HEADER.match(line):
            table = _key_parts(found.group(1))
        elif found := _KEY_LINE.match(line):
            index.setdefault(table + _key_parts(found.group(1)), number)
            continue
        else:
            continue
        for size in range(1, len(table) + 1):
            index.setdefault(table[:size], number)
    return index


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "一个表"
    if isinstance(value, list):
        return "一个列表"
    return str(value)


def _name(where: Where) -> str:
    text = ""
    for part in where:
        text += f"（第{part + 1}条）" if isinstance(part, int) else ("." if text else "") + part
    return text


class _Reader:
    """Checks the parsed document key by key; every refusal names the line of the key at fault."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.index = _index_lines(self.lines)

    def line_of(self, where: Where, needle: str | None = None) -> int | None:
        for size in range(len(where), 0, -1):
            if where[:size] in self.index:
                line = self.index[where[:size]]
                break
        else:
            return None
        if needle:  # an element of a multi-line array: the line that holds it
            for number in range(line, len(self.lines) + 1):
                text = self.lines[number - 1]
                if number > line and (_KEY_LINE.match(text) or _TABLE_HEADER.match(text)):
                    break
                if needle in text:
                    return number
        return line

    def fail(self, where: Where, detail: str, needle: str | None = None) -> NoReturn:
        line = self.line_of(where, needle)
        at = f" 第{line}行" if line else ""
        raise RuleSetError(f"规则集文件 {self.path}{at}：{detail}")

    def table(self, value: object, where: Where, required: tuple[str, ...] = (),
              optional: tuple[str, ...] | None = ()) -> dict[str, Any]:
        """A table with these keys (optional=None: any other keys too)."""
        if not isinstance(value, dict):
            self.fail(where, f"“{_name(where)}”应为一个表（{{ … }} 或 [{_name(where)}] 一节），实际为{_show(value)}")
        if optional is not None:
            known = required + optional
            for key in value:
                if key not in known:
                    self.fail(where + (key,), f"“{_name(where + (key,))}”不是可识别的设置项，"
                              f"可用的有：{'、'.join(known)}；请检查拼写")
        for key in required:
            if key not in value:
                label = f"（{_LABELS[key]}）" if key in _LABELS else ""
                inside = f"“{_name(where)}”中" if where else "文件顶层"
                self.missing(where, key, f"{inside}缺少“{key}”{label}")
        return value

    def missing(self, where: Where, key: str, detail: str) -> NoReturn:
        # The TOML trap: a key written below another [section] header belongs to that section.
        astray = [p for p in self.index if len(p) > len(where) + 1 and p[-1] == key]
        if astray:
            home = f"[{_name(where)}] 小节中" if where else "文件开头（所有 [ ] 小节之前）"
            self.fail(astray[0], f"{detail}：这一行的“{key}”写在了“{_name(astray[0][:-1])}”小节里"
                      f"（小节标题下面的键都属于该小节），请把它移到{home}")
        self.fail(where, f"{detail}；请补上这一项")

    def integer(self, value: object, where: Where, minimum: int = 0) -> int:
        if type(value) is not int:
            self.fail(where, f"“{_name(where)}”应为整数，实际为{_show(value)}")
        if value < minimum:
            need = "不能为负数" if minimum == 0 else f"不能小于{minimum}"
            self.fail(where, f"“{_name(where)}”{need}，实际为{value}")
        return value

    def boolean(self, value: object, where: Where) -> bool:
        if type(value) is not bool:
            self.fail(where, f"“{_name(where)}”应为 true 或 false（小写、不加引号），实际为{_show(value)}")
        return value

    def number(self, value: object, where: Where) -> float:
        if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
            self.fail(where, f"“{_name(where)}”应为数字，实际为{_show(value)}")
        if value < 0:  # type: ignore[operator]
            self.fail(where, f"“{_name(where)}”不能为负数，实际为{value}")
        return float(value)  # type: ignore[arg-type]

    def share(self, value: object, where: Where) -> Fraction:
        try:
            if type(value) not in (str, int, float):
                raise ValueError
            share = Fraction(str(value).replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            self.fail(where, f"“{_name(where)}”应为 0 到 1 之间的分数，如 \"2/3\"，实际为{_show(value)}")
        if not 0 <= share <= 1:
            self.fail(where, f"“{_name(where)}”应在 0 到 1 之间，实际为{_show(value)}")
        return share

    def day(self, value: object, where: Where) -> date:
        if not isinstance(value, date) or isinstance(value, datetime):
            self.fail(where, f"“{_name(where)}”应为日期，写作 2026-12-31（不加引号、不带时间），"
                      f"实际为{_show(value)}")
        return value

    def choices(self, value: object, where: Where, allowed: tuple[str, ...], what: str,
                empty_ok: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.fail(where, f"“{_name(where)}”应为列表，如 [\"{allowed[0]}\"]，实际为{_show(value)}")
        if not value and not empty_ok:
            self.fail(where, f"“{_name(where)}”不能为空列表")
        for item in value:
            if item not in allowed:
                self.fail(where, f"“{_name(where)}”中的{what}{_show(item)}无效，应为：{'、'.join(allowed)}",
                          json.dumps(item, ensure_ascii=False) if isinstance(item, str) else None)
        return tuple(value)

    def ruleset(self, data: dict[str, Any]) -> RuleSet:
        top = self.table(data, (), ("year", "materials", "publicity", "continuing_education",
                                    "report", "tenure", "age_limits", "relaxations"))
        year = self.integer(top["year"], ("year",))
        if not 2000 <= year <= 2100:
            self.fail(("year",), f"“year”应为4位年份，如 2026，实际为{year}")
        w = ("materials",)
        cutoff = self.day(self.table(top["materials"], w, ("cutoff_date",))["cutoff_date"],
                          w + ("cutoff_date",))
        w = ("publicity",)
        publicity = self.table(top["publicity"], w, ("min_working_days",), ("auto_recommend",))
        days = self.integer(publicity["min_working_days"], w + ("min_working_days",), minimum=1)
        auto = self.boolean(publicity.get("auto_recommend", False), w + ("auto_recommend",))
        w = ("continuing_education",)
        ce = self.table(top["continuing_education"], w,
                        ("annual_hours", "public_min_hours", "professional_min_share"))
        education = ContinuingEducation(
            self.number(ce["annual_hours"], w + ("annual_hours",)),
            self.number(ce["public_min_hours"], w + ("public_min_hours",)),
            self.share(ce["professional_min_share"], w + ("professional_min_share",)))
        w = ("report",)
        chars = self.integer(self.table(top["report"], w, ("min_chars",))["min_chars"],
                             w + ("min_chars",))
        return RuleSet(year, cutoff, days, education, chars, self.tenure(top["tenure"]),
                       self.age_limits(top["age_limits"]), self.relaxations(top["relaxations"]),
                       str(self.path), auto)

    def tenure(self, value: object) -> tuple[TenureRule, ...]:
        rules: list[TenureRule] = []
        for series, levels in self.table(value, ("tenure",), (DEFAULT_SERIES,), None).items():
            where: Where = ("tenure", series)
            key = series if series == DEFAULT_SERIES else series_key(series)
            if any(r.series == key for r in rules):
                self.fail(where, f"申报系列“{series}”在任职年限表中写了两次")
            for level, table in self.table(levels, where, optional=None).items():
                if level not in TENURE_LEVELS:
                    self.fail(where + (level,), f"申报级别“{level}”无效，任职年限表中应为：{'、'.join(TENURE_LEVELS)}")
                if not self.table(table, where + (level,), optional=None):
                    self.fail(where + (level,), f"“{_name(where + (level,))}”中没有任何学历")
                for education, entry in table.items():
                    rules.append(self.tenure_rule(key, level, education, entry,
                                                  where + (level, education)))
        return tuple(rules)

    def tenure_rule(self, series: str, level: str, education: str, entry: object,
                    where: Where) -> TenureRule:
        if education not in EDUCATIONS:
            self.fail(where, f"学历“{education}”无效，应为：{'、'.join(EDUCATIONS)}")
        if not isinstance(entry, dict):
            return TenureRule(series, level, education, self.integer(entry, where))
        entry = self.table(entry, where, ("years",), ("unit_kinds", "county_level"))
        kinds = self.choices(entry.get("unit_kinds", []), where + ("unit_kinds",), UNIT_KINDS,
                             "单位性质", empty_ok=True)
        county = entry.get("county_level", False)
        if not isinstance(county, bool):
            self.fail(where + ("county_level",), f"“{_name(where + ('county_level',))}”应为 true 或 false，"
                      f"实际为{_show(county)}")
        return TenureRule(series, level, education, self.integer(entry["years"], where + ("years",)),
                          kinds, county)

    def age_limits(self, value: object) -> tuple[AgeLimit, ...]:
        if not isinstance(value, list):
            self.fail(("age_limits",), f"“age_limits”应为 [[age_limits]] 各节（不设限制时写 age_limits = []），"
                      f"实际为{_show(value)}")
        limits = []
        for n, item in enumerate(value):
            where: Where = ("age_limits", n)
            entry = self.table(item, where, ("unit_kinds", "levels", "under"))
            under = self.table(entry["under"], where + ("under",), GENDERS)
            limits.append(AgeLimit(
                self.choices(entry["unit_kinds"], where + ("unit_kinds",), UNIT_KINDS, "单位性质"),
                self.choices(entry["levels"], where + ("levels",), LEVELS, "申报级别"),
                *(self.integer(under[g], where + ("under", g), minimum=1) for g in ("男", "女"))))
        return tuple(limits)

    def relaxations(self, value: object) -> tuple[Relaxation, ...]:
        out = []
        for path, lifts in self.table(value, ("relaxations",), optional=None).items():
            where: Where = ("relaxations", path)
            if path not in PATHS:
                self.fail(where, f"申报途径“{path}”无效，应为：{'、'.join(PATHS)}")
            out.append(Relaxation(path, self.choices(lifts, where, tuple(RELAXABLE), "放宽项",
                                                     empty_ok=True)))
        return tuple(out)
