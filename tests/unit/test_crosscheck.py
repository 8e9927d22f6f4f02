"""The OCR cross-checks: no false alarm on the right person's certificates, clean or read with OCR's
noise, and a finding whenever a certificate shows another name, another ID number, other hours, or
a number whose structure disagrees with the roster."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.ocr_fields import extract_fields
from pipeline.domain.findings import Severity
from pipeline.domain.identity import make_id_number
from pipeline.domain.materials import MaterialKind
from pipeline.rules.certificates import DeclaredFacts, check_certificate, cross_check, id_matches
from pipeline.rules.names import CONFUSABLE, names_match
from zhicheng.sample import certificates
from zhicheng.sample.drawing import Sheet
from zhicheng.sample.people import Person, make_person

K = MaterialKind
UNIT = ("91430100MA4L000000", "湖南省交通规划勘察设计院有限公司", "国有企业")
ID = "431202199003278661"
OTHER_ID = make_id_number("43010219880512301")   # a real, different person's number

ME = DeclaredFacts(name="唐湘媛", id_number=ID, level="副高级", education="大学本科", degree="学士",
                   graduation_date=date(2013, 6, 20), year=2026, ce_hours=112, ce_public_hours=33,
                   ce_professional_hours=79)

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
　　经审核，该同志2025年度继续教育学时真实有效，予以认定。
认定机构（盖章）：
湖南省专业技术人员继续教育管理服务中心
2026年1月10日"""

CLEAN = {K.DIPLOMA: DIPLOMA, K.DEGREE_CERT: DEGREE, K.TITLE_CERT: TITLE, K.CE_RECORD: CE}

# Real tesseract 5 output (chi_sim+eng, --oem 1) of rendered sample certificates.
# --psm 3, labels and values in separate columns, 姓 of 姓名 lost.
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
HUANG = DeclaredFacts(name="黄平刚", id_number="43110219841009689X", education="大学本科", degree="学士",
                      graduation_date=date(2006, 6, 20), year=2026)

# --psm 6: the name read as Latin letters; the ID number read right.
OCR_TITLE_NO_NAME = """专业技术资格证书
姓 名: BIE
性 Bll: 女
身份证号: 431202199003278661
资格名称: 工程师
批准时间: 2018年9月1日        =
证书编号: 43201827565514  &     ~
发证机关: } eNom 由会保障厅
二O〇O一八年九癌二十一日
本证书是持证人具备相应专业技术资格的证明，经审核有效。"""

# --psm 11 of the applicant's own 认定单: 33学时 and 专业科目 lost, so 79 sits under 公需科目.
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
经审核，该同志2025年度继续教
学时真实有效，予以认定。"""

# --psm 11 of a 认定单 printed for another person (same surname, another given name, another ID).
OCR_CE_OTHER_PERSON = OCR_CE_SHIFTED.replace("唐湘媛", "唐湘婷").replace(ID, "430102198805123011")

# --psm 6 of a title certificate with the applicant's name but another person's ID number.
OCR_TITLE_OTHER_ID = """专业技术资格证书
姓 名: 唐湘媛
性 Bll: 女
身份证号: 430102198805123011
资格名称: 工程师
批准时间: 2018年9月1日        =
证书编号: 43201827565514  &     ~
二O〇一八年九关二十一日
本证书是持证人具备相应专业技术资格的证明，经审核有效。"""

# --psm 6 of a 认定单 where tesseract found almost nothing.
OCR_CE_UNREADABLE = """湖南省专业技术人员继续教育学时认定单
 ai
sre
工作单位          湖南省交通规划勘察设计院有限公司
iste
学时明细
 课程名和
 数字经济与创新驱动发展
经审核，该同志2025年度继续教育学时真实有效，予以认定。
yRALN
(een (BD :
902 oY 108"""

# --psm 3 of a 毕业证书: the name (谭鹏) read as Latin letters; a diploma prints no ID number.
OCR_DIPLOMA_NO_NAME = """证书编号:
126031201206879095
毕业证书
学生 TRIS, TERI 男，1991年1月24日生，于20
09年9月至2012年6月在本校 计算机应用技术 专业
三年制专科学习，修完教学计划规定的全部课程，
成绩合格，准予毕业。"""
TAN = DeclaredFacts(name="谭鹏", id_number="431302199101249413", education="大学专科",
                    graduation_date=date(2012, 6, 20), year=2026)

# --psm 6 of a 研究生毕业证书 whose number has the shape of an ID number, right check digit included.
OCR_DIPLOMA_ID_SHAPED_NUMBER = """研究生毕业证书
|                    研究生 唐玲兰，性别 女，1984年4月17日生，
|                          于2006年9月至2009年6月在本校 道路与铁道工程
专业学习，学制三年，修完硕士研究生培养计划规
定的全部课程，成绩合格，毕业论文答辩通过，准
|                予毕业。
证书编号:                          a |
105321200902096551             Re (Be) NE: 段晓明
=OCOMFARET A"""
TANG_LINGLAN = DeclaredFacts(name="唐玲兰", id_number="43070219840417948X", education="硕士研究生",
                             degree="硕士", graduation_date=date(2009, 6, 30), year=2026)


def check(kind: MaterialKind, text: str, declared: DeclaredFacts = ME, **kw):
    return cross_check(kind, extract_fields(kind, text), text, declared, **kw)


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


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


def sample(i: int, seed: int = 11) -> tuple[Person, DeclaredFacts, dict[MaterialKind, str]]:
    p = make_person(random.Random(f"{seed}:applicant:{i}"), i, 2026, UNIT, set(), None)
    a = p.applicant
    declared = DeclaredFacts.from_values(a.roster_row())
    texts = {
        K.DIPLOMA: printed_text(certificates.diploma_image, p, False),
        K.CE_RECORD: printed_text(certificates.ce_form_image, p, False, random.Random(1), a.name,
                                  a.id_number),
    }
    if a.degree != "无":
        texts[K.DEGREE_CERT] = printed_text(certificates.degree_image, p, False)
    if a.level != "初级":
        texts[K.TITLE_CERT] = printed_text(certificates.title_certificate_image, p, False, a.id_number)
    return p, declared, texts


_FULL = str.maketrans("0123456789:", "０１２３４５６７８９：")


def ocr_noise(text: str, name: str, id_number: str, rng: random.Random) -> str:
    """The text as OCR might give it: the name spaced out, one of its given-name characters read as a
    look-alike, letters for digits in the ID number, full-width digits, spaces between characters."""
    given = [i for i, ch in enumerate(name) if i > 0 and ch in CONFUSABLE]
    noisy_name = name
    if given:
        i = rng.choice(given)
        noisy_name = name[:i] + sorted(CONFUSABLE[name[i]])[0] + name[i + 1:]
    noisy_name = " ".join(noisy_name)
    noisy_id = id_number.replace("0", "O", 1).replace("1", "l", 1)
    text = text.replace(name, noisy_name).replace(id_number, noisy_id)
    text = text.replace("：", ":").replace("〇", "零")
    return text.translate(_FULL) if rng.random() < 0.5 else text


# --- no false alarms ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(CLEAN))
def test_clean_certificates_of_the_applicant_raise_nothing(kind):
    assert check(kind, CLEAN[kind]) == []


@pytest.mark.parametrize("i", range(30))
def test_every_sample_certificate_of_the_right_person_raises_nothing(i):
    _, declared, texts = sample(i)
    for kind, text in texts.items():
        assert check(kind, text, declared) == [], (kind, text)


@pytest.mark.parametrize("i", range(30))
def test_ocr_noise_on_the_right_persons_certificates_raises_no_identity_finding(i):
    p, declared, texts = sample(i)
    rng = random.Random(i)
    for kind, text in texts.items():
        noisy = ocr_noise(text, declared.name, declared.id_number, rng)
        found = rules(check(kind, noisy, declared))
        assert "ocr.name_mismatch" not in found, (kind, noisy)
        assert "ocr.id_mismatch" not in found, (kind, noisy)
        assert "ocr.unreadable" not in found, (kind, noisy)


def test_real_ocr_of_the_right_person_raises_no_mismatch():
    assert check(K.TITLE_CERT, OCR_TITLE_COLUMNS, HUANG) == []
    assert check(K.CE_RECORD, OCR_CE_SHIFTED) == []
    assert check(K.DIPLOMA, OCR_DIPLOMA_ID_SHAPED_NUMBER, TANG_LINGLAN) == []


def test_a_name_lost_to_ocr_beside_the_right_id_number_is_only_noted():
    findings = check(K.TITLE_CERT, OCR_TITLE_NO_NAME)
    assert rules(findings) == ["ocr.name_unread"]
    assert findings[0].level is Severity.INFO
    assert "唐湘媛" in findings[0].message


def test_neither_name_nor_id_number_read_is_unreadable_not_another_person():
    findings = check(K.DIPLOMA, OCR_DIPLOMA_NO_NAME, TAN)
    assert rules(findings) == ["ocr.unreadable"]
    assert "谭鹏" in findings[0].message and "学历证书" in findings[0].message


# --- another person's certificate -----------------------------------------------------------------

@pytest.mark.parametrize(
    "other",
    ["唐湘婷",    # same surname, another given name
     "汤湘媛",    # another surname
     "唐湘",      # a character missing
     "唐湘媛华",  # a character more
     "申湘媛"],   # 申 looks like 田 but is a surname of its own
)
@pytest.mark.parametrize("kind", list(CLEAN))
def test_another_name_is_reported(kind, other):
    text = CLEAN[kind].replace("唐湘媛", other)
    declared = replace(ME, name="田湘媛") if other == "申湘媛" else ME
    if other == "申湘媛":
        text = CLEAN[kind].replace("唐湘媛", "申湘媛")
    findings = check(kind, text, declared)
    assert "ocr.name_mismatch" in rules(findings), (kind, text)
    message = next(f.message for f in findings if f.rule == "ocr.name_mismatch")
    assert declared.name in message and kind.value in message


def test_another_person_in_real_ocr_output_is_reported_by_name_and_id():
    findings = check(K.CE_RECORD, OCR_CE_OTHER_PERSON)
    assert sorted(rules(findings)) == ["ocr.id_mismatch", "ocr.name_mismatch"]
    by_rule = {f.rule: f.message for f in findings}
    assert "唐湘婷" in by_rule["ocr.name_mismatch"] and "唐湘媛" in by_rule["ocr.name_mismatch"]
    assert "430102198805123011" in by_rule["ocr.id_mismatch"] and ID in by_rule["ocr.id_mismatch"]


def test_another_id_number_is_reported():
    findings = check(K.TITLE_CERT, OCR_TITLE_OTHER_ID)
    assert rules(findings) == ["ocr.id_mismatch"]
    assert findings[0].material == "现职称证书"
    assert "现职称证书" in findings[0].message and "430102198805123011" in findings[0].message


def test_the_applicants_name_as_someone_elses_part_does_not_hide_another_holder():
    # The applicant 刘伟英 is the school head here; the holder is 雷华东.
    text = DIPLOMA.replace("唐湘媛", "雷华东").replace("谭益民", "刘伟英")
    declared = replace(ME, name="刘伟英")
    assert "ocr.name_mismatch" in rules(check(K.DIPLOMA, text, declared))


def test_no_id_number_shown_is_no_id_finding():
    assert "ocr.id_mismatch" not in rules(check(K.DIPLOMA, DIPLOMA))
    text = TITLE.replace("身份证号：431202199003278661\n", "")
    assert rules(check(K.TITLE_CERT, text)) == []


@pytest.mark.parametrize(
    "wrong",
    [ID[:15] + "2" + ID[16:],    # 6 -> 2: not a look-alike, and the check digit no longer fits
     ID[:10] + "2" + ID[11:],    # 0 -> 2 in the month: no real birth date either
     ID[:17] + "5"],             # another check digit
)
@pytest.mark.parametrize("kind", [K.TITLE_CERT, K.CE_RECORD])
def test_a_wrong_digit_that_breaks_the_check_digit_is_unsure_not_a_mismatch(kind, wrong):
    """A number whose check digit fails is no real person's: a misreading, said as unsure."""
    fields = extract_fields(kind, CLEAN[kind].replace(ID, wrong))
    findings, judged = check_certificate(kind, fields, CLEAN[kind].replace(ID, wrong), ME)
    assert "ocr.id_mismatch" not in rules(findings)
    row = next(j for j in judged if j.field == "id_number")
    assert (row.status, row.read, row.raw) == ("unsure", "", wrong)


@pytest.mark.parametrize("kind", [K.TITLE_CERT, K.CE_RECORD])
def test_another_real_id_number_is_reported(kind):
    findings = check(kind, CLEAN[kind].replace(ID, OTHER_ID))
    assert rules(findings) == ["ocr.id_mismatch"]
    assert OTHER_ID in findings[0].message and ID in findings[0].message


def test_a_look_alike_digit_that_the_check_digit_exposes_is_tolerated():
    misread = ID[:14] + "3" + ID[15:]    # 8 read as 3
    assert ID[14] == "8"
    assert rules(check(K.TITLE_CERT, TITLE.replace(ID, misread))) == []


# --- unreadable -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n ", "~~ |||| ABC 123", "毕业证书 张"])
def test_no_usable_text_is_unreadable(text):
    findings = check(K.DIPLOMA, text)
    assert rules(findings) == ["ocr.unreadable"]
    assert "学历证书" in findings[0].message


def test_low_confidence_is_unreadable():
    findings = check(K.CE_RECORD, OCR_CE_UNREADABLE)
    assert rules(findings) == ["ocr.unreadable"]
    assert "姓名" in findings[0].message and "17%" in findings[0].message


def test_the_material_name_goes_into_the_findings():
    findings = check(K.TITLE_CERT, OCR_TITLE_OTHER_ID, material="现职称证书(2).jpg")
    assert findings[0].material == "现职称证书(2).jpg" and "现职称证书(2).jpg" in findings[0].message


@pytest.mark.parametrize("kind", [K.ACHIEVEMENTS, K.WORK_REPORT, K.APPRAISAL_FORM, K.OTHER])
def test_documents_that_are_not_certificates_are_not_checked(kind):
    assert cross_check(kind, extract_fields(kind, ""), "", ME) == []


# --- continuing-education hours -------------------------------------------------------------------

def test_ce_total_that_disagrees_is_a_warning():
    declared = replace(ME, ce_hours=120, ce_public_hours=None, ce_professional_hours=None)
    findings = check(K.CE_RECORD, CE, declared)
    assert rules(findings) == ["ce_hours.mismatch"]
    f = findings[0]
    assert f.severity is Severity.WARN and f.level is Severity.WARN
    assert "112" in f.message and "120" in f.message and "继续教育学时认定单" in f.message


def test_ce_breakdown_that_disagrees_is_a_warning():
    findings = check(K.CE_RECORD, CE, replace(ME, ce_public_hours=40, ce_professional_hours=72))
    assert rules(findings) == ["ce_hours.mismatch"]
    assert "公需科目33学时" in findings[0].message and "40学时" in findings[0].message


def test_ce_breakdown_is_not_compared_when_it_does_not_add_up():
    # The real OCR put 79 under 公需科目 (the 33 cell was lost): no false alarm, the total agrees.
    assert check(K.CE_RECORD, OCR_CE_SHIFTED) == []


def test_hours_without_their_total_are_unsure_and_raise_nothing():
    """The sum 公需 + 专业 = 合计 is the hours' check: without the total, no cell is trusted."""
    text = CE.replace("合计 112学时\n", "")
    findings, judged = check_certificate(K.CE_RECORD, extract_fields(K.CE_RECORD, text), text,
                                         replace(ME, ce_hours=100, ce_public_hours=1))
    assert "ce_hours.mismatch" not in rules(findings)
    # 33 against the roster's 1 is unsure, not ✗; 79 is what the roster says: shown as agreeing
    assert {j.field: j.status for j in judged if "hours" in j.field} == {
        "ce_public_hours": "unsure", "ce_professional_hours": "agree"}


def test_ce_record_of_the_wrong_year():
    findings = check(K.CE_RECORD, CE.replace("2025年度", "2024年度"))
    assert rules(findings) == ["ce_hours.year_mismatch"]
    assert "2024" in findings[0].message and "2025" in findings[0].message
    assert findings[0].severity is Severity.WARN


# --- certificate numbers --------------------------------------------------------------------------

def test_diploma_number_year_against_the_roster():
    findings = check(K.DIPLOMA, DIPLOMA, replace(ME, graduation_date=date(2014, 7, 1)))
    # the certificate's own date (二〇一三年六月二十日) differs too, but Chinese numerals read by
    # one engine alone are unsure: no date_mismatch on them
    assert rules(findings) == ["certificate.number_mismatch"]
    f = findings[0]
    assert f.severity is Severity.WARN
    assert "2013" in f.message and "2014年7月1日" in f.message and "115351201305968415" in f.message


def test_diploma_number_level_against_the_declared_education():
    findings = check(K.DIPLOMA, DIPLOMA, replace(ME, education="硕士研究生"))
    assert rules(findings) == ["certificate.number_mismatch"]
    assert "本科" in findings[0].message and "硕士研究生" in findings[0].message


def test_degree_number_level_and_year():
    findings = check(K.DEGREE_CERT, DEGREE, replace(ME, degree="硕士"))
    assert rules(findings) == ["certificate.number_mismatch"]
    assert "学士" in findings[0].message and "硕士" in findings[0].message
    assert rules(check(K.DEGREE_CERT, DEGREE, replace(ME, graduation_date=date(2012, 6, 30)))) == \
        ["certificate.number_mismatch"]


def test_a_trusted_date_that_differs_is_a_date_mismatch():
    text = TITLE.replace("批准时间：", "批准时间：").replace("\n证书编号", "\n证书编号")
    f = extract_fields(K.TITLE_CERT, text)
    assert f.trusted("title_approval")
    wrong = replace(ME, current_title_date=date(f.dates["title_approval"].year - 1, 1, 5))
    findings = check(K.TITLE_CERT, text, wrong)
    assert rules(findings) == ["certificate.date_mismatch"]
    assert findings[0].severity is Severity.WARN


def test_a_number_of_the_wrong_length_is_not_judged():
    text = DIPLOMA.replace("115351201305968415", "11535120130596841")
    assert rules(check(K.DIPLOMA, text, replace(ME, graduation_date=date(2016, 7, 1)))) == []


def test_a_misread_year_digit_that_the_certificate_date_contradicts_is_tolerated():
    # 2013 read as 2018 (3/8 look alike) while the certificate's own date says 2013.
    text = DIPLOMA.replace("115351201305968415", "115351201805968415")
    assert check(K.DIPLOMA, text) == []
    # Without a date on the certificate to vouch for it, the number is taken at its word.
    no_date = text.replace("二〇一三年六月二十日", "").replace("2009年9月至2013年6月", "")
    assert rules(check(K.DIPLOMA, no_date)) == ["certificate.number_mismatch"]


# --- names_match ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("declared", "seen"),
    [
        ("唐湘媛", "姓名：唐湘媛"),
        ("唐湘媛", "学生 唐 湘 媛，性别 女"),
        ("唐湘媛", "唐　湘　媛"),
        ("唐湘媛", "姓名唐湘媛性别女"),
        ("唐湘媛", "兹证明唐湘媛同志"),
        ("王己", "姓名：王已"),           # 己 read as 已
        ("李未", "李末，男"),              # 未 read as 末
        ("侯伟", "候伟"),                  # 侯 read as 候: 候 is no surname
        ("张明", "张日月"),                # 明 read as its two halves
        ("欧阳丽丽", "欧阳丽 丽"),
        ("欧阳千土", "欧阳干士"),          # two look-alikes in a four-character name
        ("买买提·艾力", "买买提.艾力"),
        ("雷华东", "校长：刘伟英\n雷华东\n"),
        ("王伟", "王伟 性别 男"),
        ("王伟", "王伟  华为技术有限公司"),  # a column gap
    ],
)
def test_names_match(declared, seen):
    assert names_match(declared, seen)


@pytest.mark.parametrize(
    ("declared", "seen"),
    [
        ("唐湘媛", "唐湘婷"),
        ("唐湘媛", "汤湘媛"),
        ("唐湘媛", "唐湘"),
        ("唐湘媛", "唐湘媛华"),
        ("王伟", "王伟华"),
        ("王伟", "王 伟 华"),
        ("李娜", "王李娜"),
        ("李娜", "王 李娜"),
        ("田华", "申华"),                  # 申 looks like 田 but is a surname of its own
        ("王己未", "王已末"),              # two look-alikes in a three-character name
        ("王伟", "王"),
        ("", "王伟"),
        ("王伟", ""),
        ("刘伟", "校（院）长：刘伟英"),
    ],
)
def test_names_do_not_match(declared, seen):
    assert not names_match(declared, seen)


# --- id_matches -----------------------------------------------------------------------------------

X_ID = make_id_number("11010519491231002")


@pytest.mark.parametrize(
    "seen",
    [ID, "４３１２０２１９９００３２７８６６１", "4312 0219 9003 2786 61", "43l2O2199OO3278661",
     ID[:14] + "3" + ID[15:],   # 8 read as 3
     ID[:4] + "8" + ID[5:]],    # 0 read as 8
)
def test_id_matches(seen):
    assert id_matches(ID, seen)


def test_id_matches_lower_case_x():
    assert id_matches(X_ID, X_ID.lower())
    assert id_matches(X_ID.lower(), X_ID)


@pytest.mark.parametrize(
    "seen",
    [None, "", OTHER_ID, ID[:17],
     ID[:10] + "2" + ID[11:],                   # a digit that is no look-alike
     ID[:4] + "8" + ID[5:14] + "3" + ID[15:],   # two look-alikes
     ID[:17] + "X"],                           # another check digit
)
def test_id_does_not_match(seen):
    assert not id_matches(ID, seen)


def test_a_look_alike_is_not_forgiven_against_an_invalid_declared_number():
    bad = ID[:17] + "0"   # the roster's own number has a wrong check digit
    assert id_matches(bad, bad)
    assert not id_matches(bad, ID[:14] + "3" + ID[15:17] + "0")


# --- the roster's side ----------------------------------------------------------------------------

def test_declared_facts_from_roster_values():
    values = {"name": "唐湘媛", "id_number": ID, "level": "副高级", "education": "大学本科", "degree": "学士",
              "graduation_date": date(2013, 6, 20), "year": 2026, "ce_hours": 112.0,
              "ce_public_hours": 33, "ce_professional_hours": None, "unknown": "x"}
    d = DeclaredFacts.from_values(values)
    assert d == replace(ME, ce_professional_hours=None)
    assert DeclaredFacts.from_values({}) == DeclaredFacts(name="", id_number="")


# --- never raises ---------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("0123456789OolIXx年月日〇一二十:：| \n姓名学生证书编号身份证号公需专业科目合计学时"
                                 "唐湘媛王伟己已田申日月明"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(_ALPHABET, max_size=300)), st.sampled_from(list(MaterialKind)))
def test_cross_check_never_raises(text, kind):
    for f in cross_check(kind, extract_fields(kind, text), text, ME):
        assert f.message and f.rule


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=8), st.one_of(st.text(), st.text(_ALPHABET, max_size=300)))
def test_names_match_never_raises(declared, text):
    assert names_match(declared, text) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(_ALPHABET, max_size=20)),
       st.one_of(st.none(), st.text(_ALPHABET, max_size=20)))
def test_id_matches_never_raises(declared, seen):
    assert id_matches(declared, seen) in (True, False)
