from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain.dates import DateParseError, parse_date

JULY_1 = date(2019, 7, 1)


@pytest.mark.parametrize(
    "text",
    ["2019-07-01", "2019-7-1", "2019/7/1", "2019/07/01", "2019.07.01", "2019.7.1", "2019年7月1日",
     "2019年07月01日", "2019年7月1号", "20190701", " 2019-07-01 ", "２０１９年７月１日", "２０１９－０７－０１",
     "2019 年 7 月 1 日", "2019-07-01 00:00:00", "2019-07-01T08:30"],
)
def test_a_full_date_is_read_in_every_written_form(text):
    assert parse_date(text) == JULY_1


@pytest.mark.parametrize(
    "text", ["2019-07", "2019-7", "2019/07", "2019.7", "2019.07", "2019年7月", "2019年07月", "2019年7"],
)
def test_a_month_without_a_day_means_the_first(text):
    assert parse_date(text) == JULY_1


def test_date_and_datetime_cells_are_taken_as_they_are():
    assert parse_date(JULY_1) == JULY_1
    assert parse_date(datetime(2019, 7, 1, 15, 30)) == JULY_1


@pytest.mark.parametrize("serial", [43647, 43647.0, 43647.75, "43647", "43647.0"])
def test_an_excel_serial_number_is_a_date_in_the_1900_system(serial):
    assert parse_date(serial) == JULY_1


def test_excel_serials_around_the_fictitious_leap_day():
    assert parse_date(1) == date(1900, 1, 1)
    assert parse_date(59) == date(1900, 2, 28)
    assert parse_date(61) == date(1900, 3, 1)
    with pytest.raises(DateParseError):
        parse_date(60)


def test_20190701_typed_into_a_number_cell_is_a_date():
    assert parse_date(20190701) == JULY_1
    assert parse_date(20190701.0) == JULY_1


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2019-02-30", "2019年2月没有30日"), ("2019年2月29日", "2019年2月没有29日"),
     ("2019-13-01", "没有13月"), ("20190230", "2019年2月没有30日"), ("2019-00", "没有0月")],
)
def test_a_date_that_does_not_exist_is_refused_with_the_reason(value, reason):
    with pytest.raises(DateParseError) as caught:
        parse_date(value)
    assert caught.value.message == f"日期“{value}”不存在（{reason}），请写作 2019-07-01 或 2019年7月"


def test_a_leap_day_in_a_leap_year_is_accepted():
    assert parse_date("2020-02-29") == date(2020, 2, 29)


@pytest.mark.parametrize("value", ["abc", "2019", "7/1/2019", "2019-07-01-02", "2019年", "二〇一九年七月"])
def test_garbage_is_refused_naming_the_value_and_the_accepted_forms(value):
    with pytest.raises(DateParseError) as caught:
        parse_date(value)
    assert str(caught.value) == f"无法识别的日期“{value}”，请写作 2019-07-01 或 2019年7月"


def test_the_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_date("abc")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_value_is_refused(value):
    with pytest.raises(DateParseError, match="日期为空"):
        parse_date(value)


@pytest.mark.parametrize("value", [2019, 2019.7, "2019.10"])
def test_a_number_that_looks_like_a_year_is_not_guessed(value):
    if isinstance(value, str):  # as text, 2019.10 is unambiguous: October
        assert parse_date(value) == date(2019, 10, 1)
        return
    with pytest.raises(DateParseError, match="是一个数字而不是日期"):
        parse_date(value)


@pytest.mark.parametrize("value", ["1899-12-31", "0219-07-01", "2101-01-01"])
def test_a_year_outside_1900_to_2100_is_refused(value):
    with pytest.raises(DateParseError, match="不在1900-2100之间"):
        parse_date(value)


@pytest.mark.parametrize(
    "value", [True, float("nan"), float("inf"), -5, 0, [2019, 7, 1], 10**5000],
    ids=["bool", "nan", "inf", "negative", "zero", "list", "huge-int"],
)
def test_values_of_other_kinds_are_refused(value):
    with pytest.raises(DateParseError):
        parse_date(value)


@given(st.dates(date(1900, 3, 1), date(2100, 12, 31)))
def test_every_date_written_in_the_standard_forms_reads_back(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
                 f"{day:%Y%m%d}", f"{day:%Y.%m.%d}"):
        assert parse_date(text) == day


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parse_date_raises_nothing_but_date_parse_error(value):
    try:
        result = parse_date(value)
    except DateParseError as error:
        assert error.message
    else:
        assert date(1900, 1, 1) <= result <= date(2100, 12, 31)
