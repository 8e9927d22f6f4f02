"""Working days on real dates: statutory holidays, 调休 make-up days, unknown years, overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.domain.workdays import CalendarFileError, CalendarUnknown, WorkCalendar

OVERRIDE_2027 = """
# 2027 年放假和调休安排（示例）
[2027]
holidays = [2027-01-01, 2027-01-02, 2027-01-03]
workdays = [2027-01-09]
"""


def test_a_publicity_over_national_day_ends_after_the_holiday() -> None:
    # 28, 29, 30 September; 1–7 October off; 8 and 9 October
    assert WorkCalendar().last_day(date(2026, 9, 28), 5) == date(2026, 10, 9)


def test_a_publicity_starting_on_the_make_up_saturday_counts_it() -> None:
    # Saturday 10 October 2026 is a working day (调休); then 12–15 October
    assert WorkCalendar().last_day(date(2026, 10, 10), 5) == date(2026, 10, 15)


def test_a_start_on_a_day_off_is_not_counted() -> None:
    # Sunday 2026-11-29 is off: Monday 30 November is the first day
    assert WorkCalendar().last_day(date(2026, 11, 29), 1) == date(2026, 11, 30)
    assert WorkCalendar().last_day(date(2026, 11, 29), 5) == date(2026, 12, 4)


def test_a_period_reaching_into_an_unknown_year_fails_clearly() -> None:
    with pytest.raises(CalendarUnknown) as err:
        WorkCalendar().last_day(date(2026, 12, 28), 5)
    assert "2027" in str(err.value) and "ZHICHENG_HOLIDAYS" in str(err.value)


def test_the_override_file_supplies_an_unknown_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(OVERRIDE_2027, encoding="utf-8")
    calendar = WorkCalendar.load(path)
    # 28–31 December 2026 (official), 1–3 January 2027 off (override), Monday 4 January
    assert calendar.last_day(date(2026, 12, 28), 5) == date(2027, 1, 4)
    assert calendar.is_workday(date(2027, 1, 9))        # a make-up Saturday
    assert not calendar.is_workday(date(2027, 1, 10))   # an ordinary Sunday
    assert calendar.is_workday(date(2027, 1, 11))


@pytest.mark.parametrize("text, message", [
    ("[2027]\nholidays = ['2027-01-01']\n", "日期列表"),
    ("[2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-01]\n", "同时列为"),
    ("[2027]\nholidays = [2028-01-01]\n", "不属于 2027 年"),
    ("[2027]\nvacation = [2027-01-01]\n", "不是可识别的设置项"),
    ("[twenty]\nholidays = []\n", "年份小节"),
    ("[2027\n", "格式有误"),
])
def test_a_malformed_override_file_is_refused_with_the_reason(tmp_path: Path, text: str,
                                                              message: str) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=message):
        WorkCalendar.load(path)


def test_a_missing_override_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="找不到节假日文件"):
        WorkCalendar.load(tmp_path / "none.toml")


@pytest.mark.parametrize("days", [0, -1, 400])
def test_an_impossible_length_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match="工作日"):
        WorkCalendar().last_day(date(2026, 11, 2), days)
