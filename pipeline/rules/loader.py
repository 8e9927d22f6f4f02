"""Reading a rule-set file (docs/reference.md §1c) into a frozen `RuleSet`.

`load_ruleset` refuses a file with a `RuleSetError` whose Chinese message names the file and the
line at fault: for TOML syntax errors (tomllib's own message is kept) and for values that are
missing, of the wrong type, negative or unknown.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from pipeline.roster.fields import EDUCATIONS, GENDERS, LEVELS, PATHS
from pipeline.rules.ruleset import (
    DEFAULT_SERIES,
    RELAXABLE,
    TENURE_LEVELS,
    UNIT_KINDS,
    AgeLimit,
    ContinuingEducation,
    Relaxation,
    RuleSet,
    RuleSetError,
    TenureRule,
    series_key,
)
from pipeline.rules.toml_lines import KeyLines, Where


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
        self.keys = KeyLines(text)

    def fail(self, where: Where, detail: str, needle: str | None = None) -> NoReturn:
        line = self.keys.line_of(where, needle)
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
        astray = [p for p in self.keys if len(p) > len(where) + 1 and p[-1] == key]
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
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(where, f"“{_name(where)}”应为数字，实际为{_show(value)}")
        if value < 0:
            self.fail(where, f"“{_name(where)}”不能为负数，实际为{value}")
        return float(value)

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
