from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain.identity import (
    USCC_ALPHABET,
    check_id_number,
    check_phone,
    check_uscc,
    find_id_number,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_phone,
)

TODAY = date(2026, 3, 1)
# 1990-01-01, sequence 123: the check digit is 8.
MALE = "430102199001011238"
# The 17th digit 2 is even: a woman.
FEMALE = make_id_number("43010219850615002")
X_ID = make_id_number("11010519491231002")  # the GB 11643 standard's own example, check digit X


# --- ID numbers -------------------------------------------------------------------------------

def test_the_standards_example_id_number_has_check_digit_x():
    assert X_ID == "11010519491231002X"
    assert check_id_number(X_ID, TODAY).ok


# One number for each of the 11 possible check characters, worked out independently.
@pytest.mark.parametrize(
    "number",
    ["430102199001011000", "430102199001011019", "430102199001011027", "430102199001011035",
     "430102199001011043", "430102199001011051", "43010219900101106X", "430102199001011078",
     "430102199001011086", "430102199001011094", "430102199001011182"],
)
def test_every_check_character_is_computed_as_the_standard_says(number):
    assert make_id_number(number[:17]) == number
    assert check_id_number(number, TODAY).ok


def test_make_id_number_appends_the_gb11643_check_digit():
    assert make_id_number("43010219900101123") == MALE


def test_a_valid_id_number_gives_birth_date_and_gender():
    check = check_id_number(MALE, TODAY)
    assert check.ok and check.message is None
    assert check.value == MALE
    assert check.birth_date == date(1990, 1, 1)
    assert check.gender == "男"


def test_an_even_17th_digit_means_female():
    check = check_id_number(FEMALE, TODAY)
    assert check.ok
    assert check.gender == "女"
    assert check.birth_date == date(1985, 6, 15)


def test_an_x_check_digit_is_accepted_in_lower_case():
    check = check_id_number("11010519491231002x", TODAY)
    assert check.ok
    assert check.value == "11010519491231002X"


def test_spaces_and_full_width_digits_are_normalized():
    check = check_id_number(" ４３０１０２１９９００１０１１２３８ ", TODAY)
    assert check.ok
    assert check.value == MALE


def test_a_wrong_check_digit_names_the_right_one():
    check = check_id_number("430102199001011234", TODAY)
    assert not check.ok
    assert check.message == "身份证号“430102199001011234”校验位错误，应为8，请核对后重新填写"
    # The date part is sound, so birth date and gender are still given.
    assert check.birth_date == date(1990, 1, 1)
    assert check.gender == "男"


def test_a_short_id_number_says_how_long_it_is():
    check = check_id_number("43010219900101123", TODAY)
    assert not check.ok
    assert "为17位，应为18位" in check.message
    assert check.birth_date is None and check.gender is None


def test_letters_inside_an_id_number_are_refused():
    check = check_id_number("4301021990010112X8", TODAY)
    assert not check.ok
    assert "前17位应为数字" in check.message


def test_an_empty_id_number_is_refused():
    check = check_id_number("  ", TODAY)
    assert not check.ok
    assert check.message.startswith("身份证号为空")


def test_an_id_number_with_an_impossible_birth_date_is_refused():
    number = make_id_number("43010219900230123")
    check = check_id_number(number, TODAY)
    assert not check.ok
    assert "出生日期“19900230”不是有效日期" in check.message
    assert check.birth_date is None


def test_an_id_number_born_in_the_future_is_refused():
    number = make_id_number("43010220260302123")
    check = check_id_number(number, TODAY)
    assert not check.ok
    assert "出生日期“20260302”晚于今天" in check.message


def test_an_id_number_born_today_is_accepted():
    assert check_id_number(make_id_number("43010220260301123"), TODAY).ok


def test_an_id_number_born_before_1900_is_refused():
    check = check_id_number(make_id_number("43010218991231123"), TODAY)
    assert not check.ok
    assert "早于1900年" in check.message


def test_a_bad_date_and_a_bad_check_digit_are_both_reported():
    number = make_id_number("43010219901301123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    message = check_id_number(wrong, TODAY).message
    assert "不是有效日期" in message and f"校验位错误，应为{number[17]}" in message


def test_an_id_number_that_excel_turned_into_a_number_is_explained():
    check = check_id_number("4.30102E+17", TODAY)
    assert not check.ok
    assert "Excel" in check.message and "文本" in check.message


@given(
    area=st.integers(110000, 659999),
    born=st.dates(date(1900, 1, 1), TODAY),
    sequence=st.integers(0, 999),
)
def test_make_id_number_output_always_passes_the_check(area, born, sequence):
    number = make_id_number(f"{area}{born:%Y%m%d}{sequence:03d}")
    check = check_id_number(number, TODAY)
    assert check.ok, check.message
    assert check.birth_date == born
    assert check.gender == ("男" if sequence % 2 else "女")


@given(st.text(max_size=30))
def test_check_id_number_never_raises(text):
    check = check_id_number(text, TODAY)
    assert check.ok == (check.message is None)


def test_make_id_number_refuses_a_bad_prefix():
    with pytest.raises(ValueError):
        make_id_number("4301021990010112")


# --- finding the ID number in a folder name ---------------------------------------------------

@pytest.mark.parametrize(
    "folder",
    [f"{MALE}_张三", f"张三_{MALE}", MALE, f"张三-{MALE}", f"{MALE}张三", f" {MALE} "],
)
def test_the_id_number_is_found_in_a_folder_name(folder):
    assert find_id_number(folder) == MALE


def test_a_lower_case_x_in_a_folder_name_is_returned_upper_case():
    assert find_id_number("张三_11010519491231002x") == X_ID


def test_full_width_digits_in_a_folder_name_are_tolerated():
    assert find_id_number("４３０１０２１９９００１０１１２３８_张三") == MALE


def test_an_id_number_with_a_wrong_check_digit_is_still_found():
    assert find_id_number("430102199001011234_张三") == "430102199001011234"


@pytest.mark.parametrize(
    "folder",
    ["张三", "", "43010219900101123_张三", f"1{MALE}_张三", f"{MALE}5_张三", f"{MALE[:17]}xx"],
)
def test_no_id_number_is_found_where_there_is_none(folder):
    assert find_id_number(folder) is None


def test_a_valid_candidate_wins_over_an_invalid_one():
    assert find_id_number(f"430102199001011234_{X_ID}") == X_ID


# --- unit codes (USCC) ------------------------------------------------------------------------

# The textbook example (91350100M000100Y43) and three codes in the form printed on licences
# (enterprise 91…, public institution 12…), each checked by hand against the algorithm.
@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "911100001000044477", "12100000400000624D"],
)
def test_real_world_unit_codes_pass(code):
    assert check_uscc(code) == (True, code, None)


def test_make_uscc_reproduces_the_textbook_example():
    assert make_uscc("91350100M000100Y4") == "91350100M000100Y43"


def test_a_check_value_of_31_becomes_zero():
    # Find a prefix whose weighted sum is a multiple of 31: its check character must be '0'.
    for n in range(1000):
        prefix = f"9143010{n:010d}"
        if make_uscc(prefix)[-1] == "0":
            assert check_uscc(prefix + "0")[0]
            return
    pytest.fail("no prefix with check character 0 found")


def test_a_unit_code_is_upper_cased_and_trimmed():
    assert check_uscc(" 91350100m000100y43 ") == (True, "91350100M000100Y43", None)


def test_a_wrong_unit_code_check_character_names_the_right_one():
    ok, value, message = check_uscc("91350100M000100Y44")
    assert not ok and value == "91350100M000100Y44"
    assert message == "统一社会信用代码“91350100M000100Y44”校验位错误，应为3，请核对后重新填写"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_uscc_alphabet_are_refused(letter):
    ok, _, message = check_uscc(f"91350100M000100{letter}43")
    assert not ok
    assert f"不允许的字符“{letter}”" in message


def test_a_unit_code_of_the_wrong_length_is_refused():
    ok, _, message = check_uscc("91350100M000100Y4")
    assert not ok
    assert "为17位，应为18位" in message


@pytest.mark.parametrize("first", ["B", "M", "X"])
def test_a_unit_code_must_start_with_a_digit_or_a_n_y(first):
    code = make_uscc(first + "1350100M000100Y4")
    ok, _, message = check_uscc(code)
    assert not ok
    assert f"第一位“{first}”无效" in message


@pytest.mark.parametrize("first", ["A", "N", "Y", "1", "5"])
def test_unit_codes_of_every_allowed_first_character_pass(first):
    assert check_uscc(make_uscc(first + "1430100MA4L12345"))[0]


@given(st.text(USCC_ALPHABET, min_size=17, max_size=17).filter(lambda s: s[0] in "0123456789ANY"))
def test_make_uscc_output_always_passes_the_check(prefix):
    assert check_uscc(make_uscc(prefix))[0]


def test_make_uscc_refuses_a_prefix_with_a_forbidden_letter():
    with pytest.raises(ValueError):
        make_uscc("91350100M000100O4")


# --- mobile numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "phone",
    ["13812345678", " 138 1234 5678 ", "138-1234-5678", "+8613812345678", "+86 138 1234 5678",
     "8613812345678", "１３８１２３４５６７８"],
)
def test_mobile_numbers_are_normalized_to_eleven_digits(phone):
    assert check_phone(phone) == (True, "13812345678", None)


@pytest.mark.parametrize(
    "phone", ["12812345678", "1381234567", "138123456789", "07318888888", "0731-88888888", "abc"],
)
def test_numbers_that_are_not_mainland_mobiles_are_refused(phone):
    ok, value, message = check_phone(phone)
    assert not ok
    assert value == phone
    assert message.startswith(f"手机号码“{phone}”不是有效的大陆手机号")


def test_an_empty_phone_is_refused():
    ok, _, message = check_phone("")
    assert not ok and message.startswith("手机号码为空")


# --- masking ----------------------------------------------------------------------------------

def test_an_id_number_is_masked_keeping_four_characters_each_side():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("430102199001011238") == "4301**********1238"


def test_a_phone_is_masked_keeping_three_and_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_a_too_short_value_is_masked_completely():
    assert mask_id_number("1234") == "****"
    assert mask_phone("") == ""
