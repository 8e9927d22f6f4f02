"""The trust rules that let a field be trusted on one engine's reading or on a check between
fields (issue 14), each with the misreading it must not trust. The texts and characters'
probabilities are those RapidOCR and tesseract gave on the benchmark sets (bench/bench_fields.py)."""

from __future__ import annotations

from datetime import date

from pipeline.documents.fields import CHAR_CONFIDENCE, extract_fields, merge
from pipeline.documents.fields.dates import cn_year, find_dates
from pipeline.domain.materials import MaterialKind as K
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.readings import confirms

DIPLOMA_HEAD = "毕业证书\n学生戴林强，性别男，1993年2月28日生，于\n2011年9月至2015年6月在本校交通运输专业四年\n证书编号：105361201505450186"


def sure(text: str, low: dict[str, float] | None = None) -> tuple[tuple[float, ...], ...]:
    """Each character of each line at 0.99, but the characters named in `low` (the first such
    character of the last line) at the probability given."""
    lines = [[0.99] * len(line) for line in text.split("\n")]
    last = text.split("\n")[-1]
    for ch, p in (low or {}).items():
        lines[-1][last.index(ch)] = p
    return tuple(tuple(line) for line in lines)


def graduation(text: str, chars: tuple[tuple[float, ...] | None, ...] | None) -> tuple[date | None, str]:
    fields = extract_fields(K.DIPLOMA, text, None, chars)
    return fields.dates.get("graduation"), fields.trust.get("graduation", "")


def test_a_chinese_numeral_date_read_surely_by_one_engine_is_trusted() -> None:
    text = DIPLOMA_HEAD + "\n二〇一五年六月三十日"
    # the zeros and 年月日 may be unsure: no other character is taken for them, and they change no value
    chars = sure(text, {"〇": 0.64, "日": 0.86})
    assert graduation(text, chars) == (date(2015, 6, 30), "trusted")


def test_a_chinese_numeral_date_with_an_unsure_numeral_is_not_trusted() -> None:
    # RapidOCR read 六月三十日 as 六月二十日 with its 二 at 0.75 (and at 0.92 on another scan)
    text = DIPLOMA_HEAD + "\n二〇一五年六月二十日"
    for p in (0.75, 0.92):
        assert graduation(text, sure(text)) == (date(2015, 6, 20), "trusted")  # every numeral sure
        low = [list(line) for line in sure(text)]
        low[-1][text.split("\n")[-1].index("十") - 1] = p  # the 二 of 二十
        assert graduation(text, tuple(tuple(line) for line in low)) == (date(2015, 6, 20), "unsure")
    assert 0.92 < CHAR_CONFIDENCE


def test_a_chinese_numeral_date_without_characters_probabilities_stays_unsure() -> None:
    text = DIPLOMA_HEAD + "\n二〇一五年六月三十日"
    assert graduation(text, None) == (date(2015, 6, 30), "unsure")          # tesseract gives none
    misaligned = (*sure(text)[:-1], (0.99,) * 3)                             # not the line's length
    assert graduation(text, misaligned) == (date(2015, 6, 30), "unsure")


def test_a_month_or_day_starting_with_ten_is_never_trusted_on_one_engine() -> None:
    # RapidOCR read 二〇一五年十二月五日 as 十月五日, every character at 0.96 or above: a lost 二
    # leaves no trace, so 十月 / 十X日 need a second engine
    for tail in ("二〇一五年十月五日", "二〇一五年七月十五日"):
        text = DIPLOMA_HEAD + "\n" + tail
        assert graduation(text, sure(text))[1] == "unsure"


def test_a_name_read_surely_by_the_strong_engine_stands_over_a_different_first_reading() -> None:
    first = extract_fields(K.DIPLOMA, "学生王媛牙，性别女，", (0.68,))
    text = "学生王媛雅，性别女，"
    second = extract_fields(K.DIPLOMA, text, (0.99,), sure(text))
    merged = merge(K.DIPLOMA, first, second)
    assert (merged.name, merged.trust["name"]) == ("王媛雅", "trusted")


def test_a_name_with_an_unsure_character_does_not_stand_over_a_different_first_reading() -> None:
    first = extract_fields(K.DIPLOMA, "学生宦清，性别女，", (0.9,))
    text = "学生宦倩，性别女，"
    second = extract_fields(K.DIPLOMA, text, (0.9,), sure(text, {"倩": 0.88}))
    merged = merge(K.DIPLOMA, first, second)
    assert merged.trust["name"] == "unsure"
    assert merged.doubts["name"] == "engines-disagree"


CE_TABLE = "姓名邹慧\n身份证号 430103197711057617\n二〇二五年度继续教育学时认定\n公需科目 专业科目 合计\n{} 学时 {} 学时 {} 学时"


def test_hours_under_headings_that_touch_are_read_by_their_column() -> None:
    fields = extract_fields(K.CE_RECORD, CE_TABLE.format(34, 60, 94))
    assert (fields.ce_public_hours, fields.ce_professional_hours, fields.ce_total_hours) == (34, 60, 94)
    assert all(fields.trust[k] == "trusted" for k in ("ce_public_hours", "ce_professional_hours", "ce_total_hours"))
    wrong = extract_fields(K.CE_RECORD, CE_TABLE.format(34, 66, 94))  # a misread cell breaks the sum
    assert wrong.trust["ce_professional_hours"] == "unsure"


def test_hours_the_first_engine_read_surely_stand_over_the_strong_engines_unsure_cells() -> None:
    first = extract_fields(K.CE_RECORD, "公需科目\n专业科目\n合计\n34 学时\n60 学时\n94 学时")
    second = extract_fields(K.CE_RECORD, "合计 34学时")  # RapidOCR's cells lost: a total alone, unsure
    merged = merge(K.CE_RECORD, first, second)
    assert (merged.ce_public_hours, merged.ce_professional_hours, merged.ce_total_hours) == (34, 60, 94)
    assert merged.trusted("ce_total_hours")  # the sum vouches for the first engine's cells


def test_hours_the_engines_read_differently_stay_unsure_when_the_sum_fails() -> None:
    first = extract_fields(K.CE_RECORD, "公需科目 30 学时\n专业科目 60 学时\n合计 90 学时")
    second = extract_fields(K.CE_RECORD, "合计 99学时")
    merged = merge(K.CE_RECORD, first, second)
    assert merged.trusted("ce_total_hours")  # 30 + 60 = 90: the first engine's sum holds
    broken = extract_fields(K.CE_RECORD, "公需科目 30 学时\n专业科目 61 学时\n合计 90 学时")
    merged = merge(K.CE_RECORD, broken, second)
    assert not merged.trusted("ce_total_hours")
    assert merged.doubts["ce_total_hours"] in ("engines-disagree", "sum-mismatch")


def test_a_reading_whose_name_is_not_beside_its_label_is_not_confirmed() -> None:
    declared = DeclaredFacts(name="程辉", id_number="", graduation_date=date(2005, 6, 1))
    text = "证书编号：129336200502833349\n姓\n名\n程辉\n毕业时间\n2005年06月01日"
    fields = extract_fields(K.DIPLOMA, text)
    assert fields.name is None and fields.trusted("graduation")
    assert not confirms(K.DIPLOMA, fields, "".join(text.split()), declared)
    labelled = text.replace("姓\n名\n程辉", "姓名：程辉")
    fields = extract_fields(K.DIPLOMA, labelled)
    assert confirms(K.DIPLOMA, fields, "".join(labelled.split()), declared)


TITLE = "专业技术资格证书\n姓名：张建磊\n身份证号：430102198305095472\n批准时间：2015年11月15日\n证书编号：HNZC20150456\n{}"


def test_an_issue_date_in_doubt_says_nothing_against_a_labelled_approval() -> None:
    # RapidOCR read the issue 二〇一五年十二月五日 as 十月五日, before the approval
    fields = extract_fields(K.TITLE_CERT, TITLE.format("二〇一五年十月五日"))
    assert fields.dates["title_approval"] == date(2015, 11, 15)
    assert fields.trust["title_approval"] == "trusted"


def test_a_clean_issue_date_before_the_approval_still_makes_it_implausible() -> None:
    fields = extract_fields(K.TITLE_CERT, TITLE.format("发证日期：2015年10月5日"))
    assert fields.trust["title_approval"] == "unsure"
    assert fields.doubts["title_approval"] == "implausible"


def test_the_diploma_numbers_year_vouches_for_a_less_sure_year_of_the_graduation() -> None:
    # RapidOCR read the 一 of 二〇一九 at 0.84 on a clean diploma whose number carries 2019
    text = "证书编号：105361201905450186\n学生戴林强，性别男，1993年2月28日生\n二〇一九年六月三十日"
    assert graduation(text, sure(text, {"一": 0.84})) == (date(2019, 6, 30), "trusted")
    other = text.replace("201905450186", "201805450186")  # a number of another year vouches for nothing
    got = extract_fields(K.DIPLOMA, other, None, sure(other, {"一": 0.84}))
    assert got.trust["graduation"] == "unsure"
    # the month and day still need their numerals read surely
    assert graduation(text, sure(text, {"三": 0.9}))[1] == "unsure"


# Independent set, 学历证书 B (bench/independent_set.py), the graduation date 二〇一九年六月三十日:
# tesseract read one zero twice, RapidOCR read the 一 as an arrow (on the page of 010 too).
TESSERACT_B = "学 生 姚 远 霞 ， 男 ，1994 年 12 月 8 日 生 ， 在 本 校 护理 学 专业\n二 O 〇 一 九 年 六 月 三 十 日"
RAPID_B = "学生姚远霞，男，1994年12月8日生，在本校护理学专业\n二〇→九年六月三十日"


def test_a_zero_read_twice_or_a_one_read_as_an_arrow_is_a_forgiven_reading() -> None:
    for text in (TESSERACT_B, RAPID_B, "二 〇 -~ 三 年 六 月 三 十 日"):
        found = [d for d in find_dates(text) if d.numerals]
        assert len(found) == 1 and not found[0].clean
    assert graduation(TESSERACT_B, None) == (date(2019, 6, 30), "unsure")
    assert graduation(RAPID_B, sure(RAPID_B)) == (date(2019, 6, 30), "unsure")   # every character sure: still forgiven
    assert cn_year("二〇一一九") is None          # five numerals without two zeros: no year
    assert cn_year("二〇〇五") == (2005, True)     # two zeros where the year has two


def test_two_engines_forgiven_alike_agree_and_differently_do_not() -> None:
    first = extract_fields(K.DIPLOMA, TESSERACT_B)
    second = extract_fields(K.DIPLOMA, RAPID_B, None, sure(RAPID_B))
    merged = merge(K.DIPLOMA, first, second)
    assert merged.dates["graduation"] == date(2019, 6, 30) and merged.trusted("graduation")
    # the arrow read where tesseract read another numeral: two different years, never trusted
    other = extract_fields(K.DIPLOMA, TESSERACT_B.replace("一 九 年", "一 一 年"))
    merged = merge(K.DIPLOMA, other, second)
    assert not merged.trusted("graduation")
