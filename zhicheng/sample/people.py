"""Applicants: the roster row of docs/reference.md §1, and the making-up of one person from one seeded
`random.Random`, counted backwards from the application year so that age, studies, first job and
current title fit together (or, where a flaw asks, do not)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.domain.identity import make_id_number

from .people_data import (
    DEGREE_CODE,
    DEGREE_OF,
    EDU_CODE,
    FEMALE_CHARS,
    ID_REGIONS,
    LEVELS,
    MALE_CHARS,
    PHONE_PREFIXES,
    PREVIOUS_EMPLOYERS,
    SCHOOLS,
    SERIES_SCHOOLS,
    SPECIALTIES,
    SURNAMES,
    TITLES,
)

ROSTER_HEADERS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"), ("id_number", "身份证号"), ("gender", "性别"), ("phone", "手机号码"),
    ("unit_code", "单位统一社会信用代码"), ("unit_name", "单位名称"), ("year", "申报年度"),
    ("series", "申报系列"), ("specialty", "申报专业"), ("level", "申报级别"),
    ("title_name", "申报资格名称"), ("current_title", "现职称"),
    ("current_title_date", "现职称取得时间"), ("education", "最高学历"), ("degree", "最高学位"),
    ("school", "毕业院校"), ("graduation_date", "毕业时间"), ("work_start_date", "参加工作时间"),
    ("ce_hours", "继续教育学时"), ("ce_public_hours", "公需科目学时"),
    ("ce_professional_hours", "专业科目学时"), ("path", "申报途径"), ("offline_review", "线下形式审查"),
)


@dataclass
class SampleApplicant:
    """One roster row (canonical field names of docs/reference.md §1) and what the sample did with it."""

    name: str
    id_number: str
    gender: str
    phone: str
    unit_code: str
    unit_name: str
    year: int
    series: str
    specialty: str
    level: str
    title_name: str
    current_title: str
    current_title_date: date | None
    education: str
    degree: str
    school: str
    graduation_date: date
    work_start_date: date
    ce_hours: int
    ce_public_hours: int
    ce_professional_hours: int
    path: str
    offline_review: str
    flaws: list[str] = field(default_factory=list)
    # Beyond the roster: the folder name in the batch (None: no folder), its files, and facts
    # printed on the certificates.
    folder: str | None = None
    files: list[str] = field(default_factory=list)
    birth_date: date | None = None
    major: str = ""

    def roster_row(self) -> dict[str, object]:
        """The roster fields as typed values (dates as `date`, hours and year as `int`)."""
        return {f: getattr(self, f) for f, _ in ROSTER_HEADERS}


@dataclass
class Person:
    """Everything about one applicant, true facts included (what certificates print)."""

    applicant: SampleApplicant
    true_gender: str
    birth: date
    study_start: date
    unit_kind: str
    school_code: str
    school_head: str
    diploma_no: str
    degree_no: str
    title_cert_no: str
    previous_employer: str
    sign_date: date
    index: int


def pick_name(rng: random.Random, gender: str) -> str:
    """A name for a man or a woman: a common Hunan surname and one or two given characters."""
    chars = MALE_CHARS if gender == "男" else FEMALE_CHARS
    surname = "欧阳" if rng.random() < 0.015 else rng.choice(SURNAMES)
    if len(surname) == 2 or rng.random() < 0.3:
        return surname + rng.choice(chars)
    first, second = rng.choice(chars), rng.choice(chars)
    while second == first:
        second = rng.choice(chars)
    return surname + first + second


def _random_day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _title_date(rng: random.Random, year: int) -> date:
    month = rng.choice((9, 10, 11, 11, 12, 12, 12))
    day = rng.choice((1, 15, 20, 25, 28, 30)) if month != 12 else rng.choice((1, 18, 25, 28, 30))
    return date(year, month, day)


def _series_for(rng: random.Random, unit_name: str) -> str:
    if "医院" in unit_name or "卫生" in unit_name:
        return "卫生"
    r = rng.random()
    return "工程" if r < 0.76 else "经济" if r < 0.88 else "会计"


def make_person(rng: random.Random, index: int, year: int, unit: tuple[str, str, str],
                used_ids: set[str], flaw: str | None) -> Person:
    """One applicant drawn from `rng`, true facts included, with `flaw` (if any) built in."""
    unit_code, unit_name, unit_kind = unit
    series = _series_for(rng, unit_name)
    if flaw in ("unit.not_approved", "unit.unregistered") and series == "卫生":
        series = "工程"
    specialty = rng.choice(sorted(SPECIALTIES[series]))
    # level and education
    r = rng.random()
    level = "中级" if r < 0.40 else "副高级" if r < 0.86 else "正高级" if r < 0.93 else "初级"
    if flaw == "tenure.insufficient":
        level = "副高级"
    educations: tuple[tuple[str, float], ...]
    if series == "卫生":
        educations = (("大学本科", 0.6), ("硕士研究生", 0.3), ("博士研究生", 0.1))
    elif level in ("副高级", "正高级"):
        educations = (("大学本科", 0.6), ("硕士研究生", 0.32), ("博士研究生", 0.08))
    elif level == "中级":
        educations = (("大学专科", 0.1), ("大学本科", 0.65), ("硕士研究生", 0.25))
    else:
        educations = (("大学专科", 0.35), ("大学本科", 0.65))
    r, acc, education = rng.random(), 0.0, educations[-1][0]
    for edu, p in educations:
        acc += p
        if r < acc:
            education = edu
            break
    if flaw == "tenure.insufficient":
        education = "大学本科"
    female_share = 0.62 if series in ("卫生", "会计") else 0.5 if series == "经济" else 0.32
    gender = "女" if rng.random() < female_share else "男"

    # career, counted backwards from the application year
    med = 1 if series == "卫生" else 0
    duration = {"大学专科": 3, "大学本科": 4 + med, "硕士研究生": 3, "博士研究生": rng.choice((3, 4))}[education]
    grad_age = {"大学专科": 21, "大学本科": 22 + med, "硕士研究生": 25 + med,
                "博士研究生": 28 + med}[education] + (1 if rng.random() < 0.25 else 0)
    # minimal years from graduation to holding each title
    to_title = {
        "大学专科": {"初级": 3, "中级": 8, "副高级": 13},
        "大学本科": {"初级": 1, "中级": 5, "副高级": 10},
        "硕士研究生": {"初级": 1, "中级": 3, "副高级": 8},
        "博士研究生": {"初级": 0, "中级": 1, "副高级": 6},
    }[education]
    max_age = 48 if gender == "女" else 54
    if level == "初级":
        current_level = None
        tenure = 0
        base = grad_age + 3
    else:
        current_level = LEVELS[LEVELS.index(level) - 1]
        tenure = 2 if flaw == "tenure.insufficient" else 6
        base = grad_age + to_title[current_level] + tenure
    age_min = max(28, base)
    age_max = max(age_min, min(max_age, base + (6 if level == "初级" else 16)))
    age = rng.randint(age_min, age_max)
    slack = age - base
    if level != "初级" and flaw != "tenure.insufficient":
        extra_tenure = rng.randint(0, min(slack, 5))
        tenure += extra_tenure
    birth_year = year - age
    birth = _random_day(rng, birth_year)
    grad_year = birth_year + grad_age
    graduation = date(grad_year, *rng.choice(((6, 30), (6, 30), (7, 1), (6, 20), (7, 1))))
    study_start = date(grad_year - duration, 9, 1)
    work_start = rng.choice((date(grad_year, 7, 1), date(grad_year, 7, 15), date(grad_year, 8, 1),
                             date(grad_year, 7, 1)))
    if level == "初级":
        current_title, current_title_date = "", None
    else:
        assert current_level is not None  # every level but 初级 has one below it
        current_title = TITLES[series][current_level]
        current_title_date = _title_date(rng, year - tenure)
        floor = work_start + timedelta(days=200)
        if current_title_date < floor:  # a doctor's 中级 soon after graduation
            current_title_date = _title_date(rng, floor.year)

    # school and majors
    grants = {"大学专科": "S", "大学本科": "B", "硕士研究生": "M", "博士研究生": "D"}[education]
    schools = [s for s in SERIES_SCHOOLS[series] if grants in SCHOOLS[s][2]]
    if not schools:
        schools = [s for s in SCHOOLS if grants in SCHOOLS[s][2]]
    school = rng.choice(schools)
    school_code, school_head, _ = SCHOOLS[school]
    ug, pg, junior = SPECIALTIES[series][specialty]
    major = rng.choice(junior if education == "大学专科" else pg if education in ("硕士研究生", "博士研究生") else ug)
    degree = DEGREE_OF[education]
    if degree == "学士" and rng.random() < 0.04:
        degree = "无"

    # ID number, unique in the batch
    seq_gender = 1 if gender == "男" else 0
    for _ in range(100):
        seq = rng.randrange(0, 50) * 20 + rng.randrange(0, 5) * 2 + seq_gender
        first17 = rng.choice(ID_REGIONS) + birth.strftime("%Y%m%d") + f"{seq % 1000:03d}"
        id_number = make_id_number(first17)
        if id_number not in used_ids:
            break
    if flaw == "id_number.invalid":
        wrong = [c for c in "0123456789X" if c != id_number[17]]
        id_number = id_number[:17] + rng.choice(wrong)
    used_ids.add(id_number)

    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    if flaw == "phone.invalid":
        phone = phone[:10]
    declared_gender = ("女" if gender == "男" else "男") if flaw == "gender.mismatch" else gender

    total = rng.randint(90, 120)
    public = rng.randint(30, total // 3)
    if flaw == "ce_hours.insufficient":
        total = rng.randint(56, 78)
        public = total // 3
    r = rng.random()
    path = "破格" if r < 0.05 else "绿色通道" if r < 0.07 else "正常"
    if flaw is not None:
        path = "正常"
    offline_review = "未通过" if flaw == "offline_review.not_passed" else "通过"

    name = pick_name(rng, gender)
    applicant = SampleApplicant(
        name=name, id_number=id_number, gender=declared_gender, phone=phone, unit_code=unit_code,
        unit_name=unit_name, year=year, series=series, specialty=specialty, level=level,
        title_name=TITLES[series][level], current_title=current_title,
        current_title_date=current_title_date, education=education, degree=degree, school=school,
        graduation_date=graduation, work_start_date=work_start, ce_hours=total,
        ce_public_hours=public, ce_professional_hours=total - public, path=path,
        offline_review=offline_review, flaws=[flaw] if flaw else [], birth_date=birth, major=major,
    )
    serial = f"{rng.randrange(1, 10**6):06d}"
    diploma_no = school_code + "1" + f"{grad_year}" + EDU_CODE[education] + serial
    degree_no = (school_code + DEGREE_CODE.get(degree, "4") + f"{grad_year}"
                 + f"{rng.randrange(1, 10**6):06d}")
    if current_title_date is not None:
        assert current_level is not None  # a title date comes with a title
        level_digit = {"初级": "3", "中级": "2", "副高级": "1"}[current_level]
        title_cert_no = f"43{current_title_date.year}{level_digit}{rng.randrange(10**7):07d}"
    else:
        title_cert_no = ""
    previous = rng.choice(PREVIOUS_EMPLOYERS[series]) if age - grad_age > 8 and rng.random() < 0.5 else ""
    sign_date = date(year, 3, 1) + timedelta(days=rng.randrange(40))
    return Person(applicant, gender, birth, study_start, unit_kind, school_code, school_head,
                  diploma_no, degree_no, title_cert_no, previous, sign_date, index)
