"""Reading the fields of a certificate from its OCR text: clean text as the sample certificates print
it, the same text made noisy the way OCR makes it, and real tesseract output of rendered certificates."""

from __future__ import annotations

import random
from datetime import date
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.ocr_fields import (
    CertificateFields,
    extract_fields,
    find_dates,
    find_id_candidates,
    normalize_ocr_text,
)
from pipeline.domain.identity import make_id_number
from pipeline.domain.materials import MaterialKind
from zhicheng.sample import certificates
from zhicheng.sample.drawing import Sheet
from zhicheng.sample.people import Person, make_person

K = MaterialKind
UNIT = ("91430100MA4L000000", "湖南省交通规划勘察设计院有限公司", "国有企业")

# --- clean texts, as the sample certificates print them (applicant 0 of seed 2026) -----------------

DIPLOMA = """毕业证书
　　学生 唐湘媛，性别 女，1990年3月27日生，于
2009年9月至2013年6月在本校 计算机科学与技术
专业四年制本科学习，修完教学计划规定的全部课
程，成绩合格，准予毕业。
校　　名：湖南工业大学
证书编号：
校（院）长：谭益民
115351201305968415
二〇一三年六月二十日"""

DEGREE = """学士学位证书
　　唐湘媛，女，1990年3月27日生。在湖南工业
大学计算机科学与技术专业完成了本科学业，成绩
合格。根据《中华人民共和国学位条例》的规定，
授予工学学士学位。
湖南工业大学
证书编号：
校长　学位评定委员会主席　谭益民
1153542013040385
二〇一三年六月二十日"""

TITLE = """专业技术资格证书
姓　　名：唐湘媛
性　　别：女
身份证号：431202199003278661
资格名称：工程师
专　　业：计算机应用技术
评审机构：湖南省工程系列中级职称评审委员会
批准时间：2018年9月1日
证书编号：43201827565514
发证机关：湖南省人力资源和社会保障厅
二〇一八年九月二十一日
本证书是持证人具备相应专业技术资格的证明，经审核有效。"""

CE = """湖南省专业技术人员继续教育学时认定单
姓名 唐湘媛 性别 女
身份证号 431202199003278661
工作单位 湖南省交通规划勘察设计院有限公司
认定年度 2025年度
公需科目 33学时 专业科目 79学时
合计 112学时
学时明细
序号 课程名称 类别 学时
1 数字经济与创新驱动发展 公需科目 17
2 习近平新时代中国特色社会主义思想专题 公需科目 16
3 BIM技术在工程设计中的应用 专业科目 27
4 公路工程技术标准新变化解读 专业科目 26
5 桥梁结构健康监测技术 专业科目 26
　　经审核，该同志2025年度继续教育学时真实有效，予以认定。
认定机构（盖章）：
湖南省专业技术人员继续教育管理服务中心
2026年1月10日"""

ID = "431202199003278661"

# --- real tesseract 5 output (chi_sim+eng, --oem 1) of rendered sample certificates ---------------

# --psm 3 of a clean 毕业证书: the Chinese-numeral date at the bottom was lost.
OCR_DIPLOMA = """毕业证书
学生 唐湘媛，性别 女，1990年3月27日生，于
2009年9月至2013年6月在本校 计算机科学与技术
专业四年制本科学习，修完教学计划规定的全部课
a>       程，成绩合格，准予毕业。
证书编号:
115351201305968415"""

# --psm 3 of a clean 专业技术资格证书: labels in one column, values in another, 姓 lost.
OCR_TITLE_COLUMNS = """专业技术资格证书
名:
All:
身份证号:
资格名称:
专      业:
评审机构:
批准时间:
证书编号:
黄平刚
43110219841009689X
助理工程师
建筑工程
调南省工程系列初级职称评审委
2020年12月1日
43202037631057
本证书是持证人具备相应专业技术资格的证明，经审核有效。"""

# --psm 6 of the same kind: the name read as Latin letters, a garbled Chinese date.
OCR_TITLE_NO_NAME = """时 VR   Y   ~
专业技术资格证书
姓 名: BIE
性 Bll: 女
身份证号: 431202199003278661
资格名称: 工程师
专 Mb: 计算机应用技术
评审机构: 湖南省工程系列中级职称评审委员会
批准时间: 2018年9月1日        =
AD               yeaa x.
证书编号: 43201827565514  &     ~
if      ia
发证机关: } eNom 由会保障厅
二O〇O一八年九癌二十一日
本证书是持证人具备相应专业技术资格的证明，经审核有效。"""

# --psm 11 of a clean 认定单: the 33学时 and 专业科目 cells lost, so 79 lands under 公需科目.
OCR_CE_SHIFTED = """湖南省专业技术人员继续教育学时认定单
姓名
唐湘媛
性别
身份证号
431202199003278661
工作单位
湖南省交通规划勘察设计院有限公司
认定年度
2025年度
公需科目
79学时
合计
112学时
学时明细
序号 | 课程名称
类别
学时
17
数字经济与创新驱动发展
习近平新时代中国特色社会主义思想专题
16
27
公路工程技术标准新变化解读
26
桥梁结构健康监测技术
业科
26
经审核，该同志2025年度继续教
学时真实有效，予以认定。
SK.
U7
机构"""

# --psm 11 of a 认定单 scanned at half resolution: 公 lost from 公需科目.
OCR_CE_SCAN = """湖南省专业技术人员继续教育学时认定单
姓名
唐玲兰
| 性别
女
身份证号
43070219840417948X
工作单位
湖南省交通规划勘察设计院有限公司
认定年度
2025年度
需科目
31学时
专业科目
65学时
合计
96学时
学时明细
序号 | 课程名称
类别
学时
数字经济与创新驱动发展
公和需科目
16
习近平新时代中国特色社会主义思想专题 | 公需科目
15
经审核，该同志2025年度继续教育学时真实有效，予以认定。
VER.
5日"""

# --psm 6 of a 学位证书: 二十 read as 一十 and 〇 as O.
OCR_DEGREE = """  ry. Y    ~
学士学位证书
黄平刚，男，1984年10月9日生。在湖南科技
大学建筑学专业完成了本科学业，成绩合格。根据
《中华人民共和国学位条例》的规定，授予工学学
士学位。
Fh
Kau
证书编号:               湖南科技大所   *
1053442006246110         校长“学位评写委员会主席 ABB
二OO六年六月一十日"""

# --psm 6 of a 研究生毕业证书 scanned at half resolution: 2011 read as 201].
OCR_POSTGRAD = """BR                       ‘J
研究生毕业证书
|                     研究生 邹磊凯，性别 男，1989年4月12日生，
|                          于201]年9月至2014年7月在本校 大地测量学与测
量工程 专业学习，学制三年，修完硕士研究生培养
计划规定的全部课程，成绩合格，毕业论文答辩通
| Aaa   过，准予毕业。
EN
证书编号:                          Be A: ilk
105301201402369503             校 (he) Ne: 周益春
二O一四年让有一人"""

# --psm 6 of a 研究生毕业证书 whose number, far from its label, has the shape of an ID number
# (20090209 is a date) and even a right check digit.
OCR_DIPLOMA_ID_SHAPED_NUMBER = """BR                       ‘J
研究生毕业证书
|                    研究生 唐玲兰，性别 女，1984年4月17日生，
|                          于2006年9月至2009年6月在本校 道路与铁道工程
专业学习，学制三年，修完硕士研究生培养计划规
定的全部课程，成绩合格，毕业论文答辩通过，准
|                予毕业。
QBAS
证书编号:                          a |
105321200902096551             Re (Be) NE: 段晓明
=OCOMFARET A"""


# --- the sample renderer's own text ---------------------------------------------------------------

def printed_text(render, *args) -> str:
    """The text a sample certificate prints, line by line, as a perfect OCR would read it."""
    runs: list[tuple[int, float, str]] = []

    def record(self, x, y, text, size, style="serif", fill=None, spacing=0.0):
        runs.append((round(y), x, text))
        return x

    with mock.patch.object(Sheet, "text", record), mock.patch.object(Sheet, "seal", lambda *a, **k: None):
        render(*args)
    rows: dict[int, list[tuple[float, str]]] = {}
    for y, x, text in runs:
        rows.setdefault(y, []).append((x, text))
    return "\n".join(" ".join(t for _, t in sorted(row)) for _, row in sorted(rows.items()))


def sample_person(i: int, seed: int = 7) -> Person:
    return make_person(random.Random(f"{seed}:applicant:{i}"), i, 2026, UNIT, set(), None)


def printed_certificates(p: Person) -> dict[MaterialKind, str]:
    a = p.applicant
    out = {
        K.DIPLOMA: printed_text(certificates.diploma_image, p, False),
        K.CE_RECORD: printed_text(certificates.ce_form_image, p, False, random.Random(1), a.name,
                                  a.id_number),
    }
    if a.degree != "无":
        out[K.DEGREE_CERT] = printed_text(certificates.degree_image, p, False)
    if a.level != "初级":
        out[K.TITLE_CERT] = printed_text(certificates.title_certificate_image, p, False, a.id_number)
    return out


# --- clean texts ----------------------------------------------------------------------------------

def test_diploma_fields():
    f = extract_fields(K.DIPLOMA, DIPLOMA)
    assert f.name == "唐湘媛"
    assert f.certificate_number == "115351201305968415"
    assert f.id_number is None
    assert f.dates == {"birth": date(1990, 3, 27), "study_start": date(2009, 9, 1),
                       "study_end": date(2013, 6, 1), "graduation": date(2013, 6, 20)}
    assert f.date_precision["graduation"] == "day" and f.date_precision["study_end"] == "month"
    assert f.confidence == 1.0


def test_degree_fields():
    f = extract_fields(K.DEGREE_CERT, DEGREE)
    assert (f.name, f.certificate_number) == ("唐湘媛", "1153542013040385")
    assert f.dates == {"birth": date(1990, 3, 27), "degree_award": date(2013, 6, 20)}
    assert f.confidence == 1.0


def test_title_certificate_fields():
    f = extract_fields(K.TITLE_CERT, TITLE)
    assert (f.name, f.id_number, f.certificate_number) == ("唐湘媛", ID, "43201827565514")
    assert f.dates == {"title_approval": date(2018, 9, 1), "issue": date(2018, 9, 21)}
    assert f.confidence == 1.0


def test_ce_record_fields_ignore_the_course_detail():
    f = extract_fields(K.CE_RECORD, CE)
    assert (f.name, f.id_number, f.ce_year) == ("唐湘媛", ID, 2025)
    assert (f.ce_public_hours, f.ce_professional_hours, f.ce_total_hours) == (33, 79, 112)
    assert f.dates == {"issue": date(2026, 1, 10)}
    assert f.confidence == 1.0


def test_id_card_fields():
    text = "姓名 唐湘媛\n性别 女 民族 汉\n出生 1990 年 3 月 27 日\n住址 湖南省长沙市岳麓区\n公民身份号码 431202199003278661"
    f = extract_fields(K.ID_CARD, text)
    assert (f.name, f.id_number, f.dates["birth"]) == ("唐湘媛", ID, date(1990, 3, 27))
    assert f.confidence == 1.0


def test_postgraduate_diploma_names_the_holder_after_研究生_not_the_title():
    text = ("研究生毕业证书\n研究生 邹磊凯，性别 男，1989年4月12日生，于2011年9月至2014年7月在本校 大地测量学"
            "与测量工程 专业学习，学制三年，准予毕业。\n证书编号：105301201402369503\n二〇一四年七月一日")
    f = extract_fields(K.DIPLOMA, text)
    assert f.name == "邹磊凯"
    assert f.dates["graduation"] == date(2014, 7, 1)


@pytest.mark.parametrize("i", range(40))
def test_every_sample_certificate_reads_back_exactly(i):
    p = sample_person(i)
    a = p.applicant
    texts = printed_certificates(p)
    for kind, text in texts.items():
        f = extract_fields(kind, text)
        assert f.name == a.name, (kind, text)
        assert f.confidence == 1.0, (kind, text)
    assert extract_fields(K.DIPLOMA, texts[K.DIPLOMA]).certificate_number == p.diploma_no
    assert extract_fields(K.DIPLOMA, texts[K.DIPLOMA]).dates["graduation"] == a.graduation_date
    assert extract_fields(K.DIPLOMA, texts[K.DIPLOMA]).dates["birth"] == p.birth
    ce = extract_fields(K.CE_RECORD, texts[K.CE_RECORD])
    assert (ce.id_number, ce.ce_year) == (a.id_number, a.year - 1)
    assert (ce.ce_public_hours, ce.ce_professional_hours, ce.ce_total_hours) == \
        (a.ce_public_hours, a.ce_professional_hours, a.ce_hours)
    if K.DEGREE_CERT in texts:
        degree = extract_fields(K.DEGREE_CERT, texts[K.DEGREE_CERT])
        assert degree.certificate_number == p.degree_no
        assert degree.dates["degree_award"] == a.graduation_date
    if K.TITLE_CERT in texts:
        title = extract_fields(K.TITLE_CERT, texts[K.TITLE_CERT])
        assert (title.id_number, title.certificate_number) == (a.id_number, p.title_cert_no)
        assert title.dates["title_approval"] == a.current_title_date


# --- noisy texts ----------------------------------------------------------------------------------

_FULL = str.maketrans("0123456789:()X", "０１２３４５６７８９：（）Ｘ")


def test_full_width_digits_and_punctuation():
    f = extract_fields(K.TITLE_CERT, TITLE.translate(_FULL))
    assert (f.name, f.id_number, f.certificate_number) == ("唐湘媛", ID, "43201827565514")
    assert f.dates["title_approval"] == date(2018, 9, 1)


def test_spaces_inside_chinese_words_and_names():
    noisy = "姓 名 : 唐 湘 媛   性 别 : 女\n身份证号: 4312 0219 9003 2786 61\n批 准 时 间 : 2018 年 9 月 1 日"
    f = extract_fields(K.TITLE_CERT, noisy)
    assert (f.name, f.id_number) == ("唐湘媛", ID)
    assert f.dates["title_approval"] == date(2018, 9, 1)


def test_letters_read_for_digits_inside_digit_runs():
    noisy = TITLE.replace(ID, "43l2O2199OO3278661").replace("2018年9月1日", "2O18年9月l日")
    f = extract_fields(K.TITLE_CERT, noisy)
    assert f.id_number == ID
    assert f.dates["title_approval"] == date(2018, 9, 1)
    assert extract_fields(K.DIPLOMA, DIPLOMA.replace("115351201305968415", "11535l2O13O5968415")) \
        .certificate_number == "115351201305968415"


def test_lower_case_x_check_digit():
    x_id = make_id_number("11010519491231002")
    f = extract_fields(K.CE_RECORD, CE.replace(ID, x_id.lower()))
    assert f.id_number == x_id == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("2O13年", "2013年"),
        ("张 三", "张三"),
        ("唐　湘　媛", "唐湘媛"),
        ("１２３４５６", "123456"),
        ("19B4年", "1984年"),
        ("B5S2", "B5S2"),            # half letters: not a number misread
        ("BIM技术", "BIM技术"),
        ("ISO9001", "ISO9001"),       # letters are not confused outside a run that is mostly digits
        ("Bl", "Bl"),
        ("合计        112学时", "合计        112学时"),   # a column gap stays
        ("43110219841009689x", "43110219841009689x"),
    ],
)
def test_normalize_ocr_text(raw, normalized):
    assert normalize_ocr_text(raw) == normalized


def test_a_17_digit_run_is_no_id_number():
    assert extract_fields(K.TITLE_CERT, "身份证号：43120219900327866").id_number is None
    assert find_id_candidates("43120219901327866X") == []   # month 13: not an ID number


def test_id_number_with_a_right_check_digit_wins_over_a_misread_one():
    text = f"身份证号：431202199003278662\n{ID}"
    assert extract_fields(K.TITLE_CERT, text).id_number == ID


# --- dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2012年6月30日", date(2012, 6, 30), "day"),
        ("2012.06.30", date(2012, 6, 30), "day"),
        ("2012-06-30", date(2012, 6, 30), "day"),
        ("2012/6/30", date(2012, 6, 30), "day"),
        ("2012-06", date(2012, 6, 1), "month"),
        ("2012年6月", date(2012, 6, 1), "month"),
        ("2012 年 6 月 3 0 日", date(2012, 6, 30), "day"),
        ("２０１２年６月３０日", date(2012, 6, 30), "day"),
        ("二〇一二年六月三十日", date(2012, 6, 30), "day"),
        ("二〇一七年六月", date(2017, 6, 1), "month"),
        ("二零一七年十二月一日", date(2017, 12, 1), "day"),
        ("二〇〇八年十一月二十一日", date(2008, 11, 21), "day"),
        ("二〇二〇年十月十日", date(2020, 10, 10), "day"),
        ("二〇二〇年一月三十一日", date(2020, 1, 31), "day"),
        ("二〇〇六年六月十五日", date(2006, 6, 15), "day"),
        ("二O一四年七月一日", date(2014, 7, 1), "day"),        # a Latin O for 〇
        ("二 〇 一 七 年 六 月", date(2017, 6, 1), "month"),
        ("二零一七年", date(2017, 1, 1), "year"),
        ("2012年2月30日", date(2012, 2, 1), "month"),            # a misread day leaves the month
        ("2018年9月]日", date(2018, 9, 1), "day"),               # ] read for 1
        ("2017年12月1]日", date(2017, 12, 1), "day"),            # ] beside a digit is noise
        ("二OO六年六月一十日", date(2006, 6, 1), "month"),       # 一十 is no day: the month stays
        ("于201]年9月", date(2011, 9, 1), "month"),
    ],
)
def test_date_forms(text, value, precision):
    found = find_dates(text)
    assert [(d.value, d.precision) for d in found] == [(value, precision)]


@pytest.mark.parametrize("text", ["2012年13月1日", "二〇一二年十三月", "1850年1月1日",
                                  "2025年度", "二〇二五年度", "二O〇O一八年九月", "学制四年", "33.5学时"])
def test_not_dates(text):
    assert [d.value for d in find_dates(text) if d.precision != "year"] == []


def test_a_year_alone_needs_a_label():
    assert extract_fields(K.TITLE_CERT, "批准时间：二零一七年").dates == {"title_approval": date(2017, 1, 1)}
    assert extract_fields(K.TITLE_CERT, "批准时间：二零一七年").date_precision == {"title_approval": "year"}
    assert extract_fields(K.TITLE_CERT, "二零一七年").dates == {}


def test_labels_decide_which_date_is_which():
    text = "发证日期：2019年1月5日\n出生日期：1985年2月3日\n批准时间：2018年12月20日"
    f = extract_fields(K.TITLE_CERT, text)
    assert f.dates == {"issue": date(2019, 1, 5), "birth": date(1985, 2, 3),
                       "title_approval": date(2018, 12, 20)}
    f = extract_fields(K.DIPLOMA, "毕业时间：2013年6月20日 入学时间：2009年9月1日")
    assert f.dates["graduation"] == date(2013, 6, 20)
    f = extract_fields(K.DEGREE_CERT, "授予日期：2013年6月25日\n出生日期：1990年3月27日")
    assert f.dates == {"degree_award": date(2013, 6, 25), "birth": date(1990, 3, 27)}
    f = extract_fields(K.TITLE_CERT, "评审通过时间：2016年11月20日")
    assert f.dates == {"title_approval": date(2016, 11, 20)}


def test_unlabeled_dates_on_a_title_certificate_the_earlier_is_the_approval():
    f = extract_fields(K.TITLE_CERT, "二〇一八年九月二十一日\n2018年9月1日")
    assert f.dates == {"title_approval": date(2018, 9, 1), "issue": date(2018, 9, 21)}


def test_study_range_and_birth():
    f = extract_fields(K.DIPLOMA, "学生 张三，1990年3月27日生，于2009年9月至2013年6月在本校学习")
    assert f.dates == {"birth": date(1990, 3, 27), "study_start": date(2009, 9, 1),
                       "study_end": date(2013, 6, 1), "graduation": date(2013, 6, 1)}
    assert f.date_precision["graduation"] == "month"


def test_id_card_validity_range():
    f = extract_fields(K.ID_CARD, "签发机关 长沙市公安局岳麓分局\n有效期限 2015.03.01-2035.03.01")
    assert f.dates == {"valid_from": date(2015, 3, 1), "valid_until": date(2035, 3, 1)}


# --- certificate numbers --------------------------------------------------------------------------

def test_diploma_number_without_its_label_is_found_by_its_shape():
    f = extract_fields(K.DIPLOMA, "学生 张三\n115351201305968415\n430102199001011238")
    assert f.certificate_number == "115351201305968415"


def test_diploma_number_shaped_like_an_id_number_is_the_diploma_number():
    f = extract_fields(K.DIPLOMA, OCR_DIPLOMA_ID_SHAPED_NUMBER)
    assert f.certificate_number == "105321200902096551"
    assert f.id_number is None


def test_an_id_number_on_a_diploma_needs_its_label():
    f = extract_fields(K.DIPLOMA, f"学生 唐湘媛\n身份证号：{ID}\n证书编号：115351201305968415")
    assert (f.id_number, f.certificate_number) == (ID, "115351201305968415")


def test_degree_number_is_16_digits():
    assert extract_fields(K.DEGREE_CERT, "唐湘媛，女\n1153542013040385").certificate_number == "1153542013040385"
    assert extract_fields(K.DEGREE_CERT, "学位证书编号：1153542013040385").certificate_number == "1153542013040385"


def test_the_id_number_label_is_no_certificate_number_label():
    f = extract_fields(K.TITLE_CERT, f"身份证号：{ID}\n43201827565514")
    assert (f.id_number, f.certificate_number) == (ID, "43201827565514")


def test_title_certificate_number_and_management_number():
    assert extract_fields(K.TITLE_CERT, "管理号：A43201827565514").certificate_number == "A43201827565514"
    assert extract_fields(K.TITLE_CERT, "证书编号：43201827565514 管理号：XY123456").certificate_number == \
        "43201827565514"
    assert extract_fields(K.TITLE_CERT, "证书编号: 43201713386602 AP %").certificate_number == "43201713386602"


# --- continuing education -------------------------------------------------------------------------

def test_ce_hours_forms():
    f = extract_fields(K.CE_RECORD, "认定年度：二〇二五年度\n公需课：30.5 学时\n专业课：60学时\n总学时：90.5")
    assert (f.ce_year, f.ce_public_hours, f.ce_professional_hours, f.ce_total_hours) == \
        (2025, 30.5, 60, 90.5)


def test_ce_hours_across_lines_stop_at_the_next_label():
    f = extract_fields(K.CE_RECORD, "公需科目\n合计        112学时")
    assert (f.ce_public_hours, f.ce_total_hours) == (None, 112)


# --- real OCR output ------------------------------------------------------------------------------

def test_real_ocr_diploma():
    f = extract_fields(K.DIPLOMA, OCR_DIPLOMA)
    assert (f.name, f.certificate_number) == ("唐湘媛", "115351201305968415")
    assert f.dates["graduation"] == date(2013, 6, 1)   # from 至2013年6月: the day was lost with the seal
    assert f.confidence == 1.0


def test_real_ocr_title_with_labels_in_a_column():
    f = extract_fields(K.TITLE_CERT, OCR_TITLE_COLUMNS)
    assert f.name is None     # no label next to it; the cross-check still finds it in the text
    assert (f.id_number, f.certificate_number) == ("43110219841009689X", "43202037631057")
    assert f.dates == {"title_approval": date(2020, 12, 1)}
    assert f.confidence == 0.75


def test_real_ocr_title_without_a_readable_name():
    f = extract_fields(K.TITLE_CERT, OCR_TITLE_NO_NAME)
    assert (f.name, f.id_number, f.certificate_number) == (None, ID, "43201827565514")
    assert f.dates == {"title_approval": date(2018, 9, 1)}   # 二O〇O一八年 is no year


def test_real_ocr_ce_with_a_shifted_cell():
    f = extract_fields(K.CE_RECORD, OCR_CE_SHIFTED)
    assert (f.name, f.id_number, f.ce_year, f.ce_total_hours) == ("唐湘媛", ID, 2025, 112)
    assert (f.ce_public_hours, f.ce_professional_hours) == (79, None)   # what the text says


def test_real_ocr_ce_scan():
    f = extract_fields(K.CE_RECORD, OCR_CE_SCAN)
    assert (f.name, f.id_number) == ("唐玲兰", "43070219840417948X")
    assert (f.ce_public_hours, f.ce_professional_hours, f.ce_total_hours) == (31, 65, 96)


def test_real_ocr_degree_and_postgraduate_diploma():
    f = extract_fields(K.DEGREE_CERT, OCR_DEGREE)
    assert (f.name, f.certificate_number) == ("黄平刚", "1053442006246110")
    assert f.dates == {"birth": date(1984, 10, 9), "degree_award": date(2006, 6, 1)}
    f = extract_fields(K.DIPLOMA, OCR_POSTGRAD)
    assert (f.name, f.certificate_number) == ("邹磊凯", "105301201402369503")
    assert f.dates["study_start"] == date(2011, 9, 1)
    assert f.dates["graduation"] == date(2014, 7, 1)


# --- confidence and storage -----------------------------------------------------------------------

def test_confidence_is_the_share_of_expected_fields():
    assert extract_fields(K.DIPLOMA, "").confidence == 0.0
    assert extract_fields(K.DIPLOMA, "学生 唐湘媛，性别 女").confidence == pytest.approx(1 / 3, abs=1e-3)
    assert extract_fields(K.CE_RECORD, "2025年度").confidence == pytest.approx(1 / 6, abs=1e-3)
    assert extract_fields(K.OTHER, "姓名：唐湘媛").confidence == 1.0


def test_fields_round_trip_through_json():
    f = extract_fields(K.DIPLOMA, DIPLOMA)
    assert CertificateFields.from_json(f.to_json()) == f


# --- never raises ---------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("0123456789OolIlSBZXx年月日号度〇零一二三四五六七八九十廿.-/:：|] \n"
                                 "姓名学生证书编号身份证号批准时间毕业授予出生至公需专业科目合计学时认定张三李四王伟"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(_ALPHABET, max_size=200)), st.sampled_from(list(MaterialKind)))
def test_extract_never_raises(text, kind):
    f = extract_fields(kind, text)
    assert 0.0 <= f.confidence <= 1.0
    for value in f.dates.values():
        assert 1900 <= value.year <= 2100
