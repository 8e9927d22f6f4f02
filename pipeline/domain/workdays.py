"""Working days (工作日) in mainland China: statutory holidays and 调休 make-up days count.

The official schedule comes from the `chinese-calendar` package, which knows each year once the
State Council has published it. For a year it does not know yet, an operator writes the year's
schedule in an override file (ZHICHENG_HOLIDAYS); with neither, any computation that touches the
year stops with `CalendarUnknown`, never a guess. The override file is TOML, one table per year:

    [2027]
    holidays = [2027-01-01, 2027-02-06, 2027-02-07]  # 放假的日子（含周末）
    workdays = [2027-02-13]                          # 调休上班的周末

A day listed in `holidays` is a day off, one in `workdays` a working day; any other day of that
year is a working day from Monday to Friday. For a year in the file the file wins.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar

from pipeline.errors import ConfigError

MAX_DAYS = 366  # a publicity longer than a year is an operator's typo, not a period


class CalendarUnknown(ConfigError):
    """A year whose holidays nobody has told us; the Chinese message says what to do."""


class CalendarFileError(ConfigError):
    """A malformed override file; the message names the file and what is wrong."""


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass
class WorkCalendar:
    """Which days are working days; built once from the override file (if any)."""

    overrides: dict[int, YearOverride] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def load(cls, path: Path | None) -> WorkCalendar:
        if path is None:
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CalendarFileError(f"找不到节假日文件 {path}（ZHICHENG_HOLIDAYS）") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CalendarFileError(f"节假日文件 {path} 格式有误：{exc}") from None
        overrides: dict[int, YearOverride] = {}
        for key, table in data.items():
            if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
                raise CalendarFileError(
                    f"节假日文件 {path}：“{key}”应为年份小节，如 [2027]，其下写 holidays 与 workdays")
            year = int(key)
            unknown = set(table) - {"holidays", "workdays"}
            if unknown:
                raise CalendarFileError(
                    f"节假日文件 {path}：[{year}] 中的“{'、'.join(sorted(unknown))}”不是可识别的设置项，"
                    "可用的有：holidays、workdays")
            days: dict[str, frozenset[date]] = {}
            for name in ("holidays", "workdays"):
                values = table.get(name, [])
                if not isinstance(values, list) or not all(
                        isinstance(v, date) and not isinstance(v, datetime) for v in values):
                    raise CalendarFileError(
                        f"节假日文件 {path}：[{year}] 的 {name} 应为日期列表，如 [{year}-01-01]（不加引号）")
                stray = [v for v in values if v.year != year]
                if stray:
                    raise CalendarFileError(
                        f"节假日文件 {path}：[{year}] 的 {name} 中 {stray[0]} 不属于 {year} 年")
                days[name] = frozenset(values)
            both = days["holidays"] & days["workdays"]
            if both:
                raise CalendarFileError(
                    f"节假日文件 {path}：{min(both)} 同时列为放假日和调休上班日")
            overrides[year] = YearOverride(days["holidays"], days["workdays"])
        return cls(overrides, str(path))

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day; CalendarUnknown for a year nobody knows."""
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.holidays:
                return False
            if day in override.workdays:
                return True
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise CalendarUnknown(
                f"尚不知道{day.year}年的法定节假日和调休安排（已安装的日历只到"
                f"{_known_until()}年），无法计算工作日：请在节假日文件中写明{day.year}年的放假日和"
                "调休上班日，并用环境变量 ZHICHENG_HOLIDAYS 指向该文件") from None

    def last_day(self, start: date, working_days: int) -> date:
        """The last day of a period of `working_days` working days from `start`.

        The start date counts as the first day when it is a working day (docs/reference.md §1c).
        """
        if not 1 <= working_days <= MAX_DAYS:
            raise ValueError(f"公示天数应在 1 到 {MAX_DAYS} 个工作日之间，实际为{working_days}")
        day, counted = start, 0
        while True:
            if self.is_workday(day):
                counted += 1
                if counted == working_days:
                    return day
            day += timedelta(days=1)


def _known_until() -> int:
    return int(max(d.year for d in chinese_calendar.holidays))
