"""Realistic sample data: units, bulk-import batches with rosters, certificate images and PDFs.

Used by `zhicheng demo`, by the benchmarks and by tests. Everything is deterministic for a seed
(one `random.Random` per applicant, never the global one; PDFs are written with reportlab's
invariant mode, workbooks and zips with fixed timestamps), so the same call writes the same bytes.

`make_batch` writes the layout of CONTRACTS §1; with `flaws=True` about a third of the applicants
carry one deliberate flaw each, and `SampleBatch.expected` says which rule codes should fire.
`light=True` makes small images and one-page PDFs for benchmarks; the default is realistic.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal, Sequence

from PIL import Image, ImageDraw, ImageFont

try:  # the project's own helpers, when present; the private ones below have the same meaning
    from pipeline.identity import make_id_number as _project_make_id_number
    from pipeline.identity import make_uscc as _project_make_uscc
except Exception:  # noqa: BLE001 - being written concurrently; never let that break the sample
    _project_make_id_number = None
    _project_make_uscc = None

__all__ = [
    "ALL_FLAWS", "BATCH_FLAWS", "DEFAULT_FLAWS", "ROSTER_HEADERS", "UNIT_HEADERS",
    "SampleApplicant", "SampleBatch", "SampleUnit", "make_batch", "sample_units", "write_units_file",
]

# ---------------------------------------------------------------------------------------------
# Check digits (GB 11643 ID number, GB 11714 organization code, GB 32100 unit code)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _id_check_digit(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def _id_number(first17: str) -> str:
    if _project_make_id_number is not None:
        try:
            return _project_make_id_number(first17)
        except Exception:  # noqa: BLE001 - fall back to the private helper
            pass
    return first17 + _id_check_digit(first17)


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    c = 31 - total % 31
    return _USCC_ALPHABET[0 if c == 31 else c]


def _org_code(body8: str) -> str:
    """A 9-character GB 11714 organization code (the middle of a USCC) with its check character."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body8]
    c = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def _uscc(department: str, category: str, region: str, body8: str) -> str:
    first17 = department + category + region + _org_code(body8)
    if _project_make_uscc is not None:
        try:
            return _project_make_uscc(first17)
        except Exception:  # noqa: BLE001
            pass
    return first17 + _uscc_check_char(first17)


# ---------------------------------------------------------------------------------------------
# Units (CONTRACTS §1b)

UNIT_HEADERS: tuple[tuple[str, str], ...] = (
    ("code", "统一社会信用代码"),
    ("name", "单位名称"),
    ("region", "统筹区"),
    ("kind", "单位性质"),
    ("approver", "审核单位"),
    ("supervisor_code", "主管单位统一社会信用代码"),
    ("parent_code", "上级单位统一社会信用代码"),
    ("status", "注册状态"),
)


@dataclass
class SampleUnit:
    """One unit of the registry, with the columns of the units file (CONTRACTS §1b)."""

    code: str
    name: str
    region: str
    kind: str
    approver: str
    supervisor_code: str
    parent_code: str
    status: str


_DEPT_CODE = _uscc("1", "1", "430000", "00618826")
_DESIGN_CODE = _uscc("9", "1", "430000", "18376542")
_RESEARCH_CODE = _uscc("9", "1", "430000", "44488123")
_PRIVATE_CODE = _uscc("9", "1", "430111", "MA4PQ7R2")
_HOSPITAL_CODE = _uscc("1", "2", "430111", "44763918")
_PENDING_CODE = _uscc("9", "1", "430304", "MA4TEK6U")
# A unit that is deliberately absent from the registry (flaw unit.unregistered).
_UNREGISTERED = ("湖南湘岳路桥建设有限公司", _uscc("9", "1", "430602", "73284561"))


def sample_units() -> list[SampleUnit]:
    """Six Hunan units: a supervising department, two units under it, a private company and a
    hospital reviewed by the center directly, and one unit still waiting for approval."""
    return [
        SampleUnit(_DEPT_CODE, "湖南省交通运输厅", "省本级", "机关", "主管机构", "", "", "已审核"),
        SampleUnit(_DESIGN_CODE, "湖南省交通规划勘察设计院有限公司", "省本级", "国有企业", "主管单位",
                   _DEPT_CODE, _DEPT_CODE, "已审核"),
        SampleUnit(_RESEARCH_CODE, "湖南省交通科学研究院有限公司", "省本级", "国有企业", "主管单位",
                   _DEPT_CODE, _DEPT_CODE, "已审核"),
        SampleUnit(_PRIVATE_CODE, "湖南智诚数字科技有限公司", "雨花区", "非公企业", "主管机构",
                   "", "", "已审核"),
        SampleUnit(_HOSPITAL_CODE, "长沙市雨花区第二人民医院", "雨花区", "事业单位", "主管机构",
                   "", "", "已审核"),
        SampleUnit(_PENDING_CODE, "湘潭华信工程咨询有限公司", "岳塘区", "非公企业", "主管机构",
                   "", "", "待审核"),
    ]


def write_units_file(path: Path, units: Sequence[SampleUnit]) -> Path:
    """Write the units as a CSV (UTF-8 with BOM) or XLSX file, by the extension of `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [h for _, h in UNIT_HEADERS]
    rows = [[getattr(u, f) for f, _ in UNIT_HEADERS] for u in units]
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(_xlsx_bytes("单位", header, rows, text_columns={0, 5, 6}))
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return path


# ---------------------------------------------------------------------------------------------
# Applicants and the roster (CONTRACTS §1)

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
_DATE_FIELDS = ("current_title_date", "graduation_date", "work_start_date")
# A column units commonly add; the contract keeps unknown columns and ignores them.
_EXTRA_HEADER = "序号"

# Flaws that one applicant carries (rule code = the finding expected to fire).
DEFAULT_FLAWS: tuple[str, ...] = (
    "id_number.invalid", "material.bad_type", "unit.not_approved", "material.duplicate",
    "phone.invalid", "material.unreadable", "gender.mismatch", "material.wrong_form",
    "unit.unregistered", "material.unknown_name", "material.missing",
)
# Only on request (flaws=[...]): they depend on the year's rule set, on OCR or on the review.
_EXTRA_FLAWS: tuple[str, ...] = (
    "offline_review.not_passed", "ce_hours.insufficient", "tenure.insufficient", "report.too_short",
    "ocr.name_mismatch", "ocr.id_mismatch",
)
ALL_FLAWS: tuple[str, ...] = DEFAULT_FLAWS + _EXTRA_FLAWS
# Batch-level oddities: a roster row without a folder, a folder without a roster row.
BATCH_FLAWS: tuple[str, ...] = ("batch.row_without_folder", "batch.folder_without_row")


@dataclass
class SampleApplicant:
    """One roster row (canonical field names of CONTRACTS §1) and what the sample did with it."""

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
class SampleBatch:
    """What `make_batch` wrote: the folder (or zip), the rows, and the findings to expect."""

    path: Path
    applicants: list[SampleApplicant]
    expected: dict[str, list[str]]
    extra_folders: list[str] = field(default_factory=list)
    rows_without_folder: list[str] = field(default_factory=list)
    units: list[SampleUnit] = field(default_factory=list)
    roster_name: str = "roster.xlsx"

    def applicant(self, id_number: str) -> SampleApplicant:
        return next(a for a in self.applicants if a.id_number == id_number)


# --- data banks ------------------------------------------------------------------------------

_SURNAMES = (
    "刘" * 9 + "李" * 8 + "陈" * 7 + "王" * 7 + "张" * 6 + "黄" * 5 + "周" * 5 + "罗" * 4 + "彭" * 4
    + "谭" * 4 + "唐" * 4 + "邓" * 4 + "杨" * 4 + "曾" * 3 + "胡" * 3 + "易" * 2 + "蒋" * 2 + "肖" * 3
    + "谢" * 3 + "吴" * 3 + "龙" * 2 + "贺" * 2 + "廖" * 2 + "向" * 2 + "田" + "毛" + "颜" + "姚"
    + "汤" + "邹" * 2 + "许" + "夏" + "朱" * 2 + "文" + "阳" + "戴" + "袁" + "符" + "雷" + "伍"
)
_MALE_CHARS = "伟强军勇杰涛斌波辉鹏磊浩宇俊峰明亮华建国志文凯晨翔林海龙刚湘湛卫东平兵锋超旭阳"
_FEMALE_CHARS = "芳娟丽敏静婷霞燕玲红艳琳雪慧颖洁璐蓉倩佳薇琴莉湘晓雅媛思雯梅兰萍娜丹"

_ID_REGIONS = (
    "430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430202",
    "430211", "430302", "430304", "430321", "430381", "430405", "430421", "430502", "430602",
    "430681", "430702", "430802", "430902", "431002", "431102", "431202", "431302", "433101",
)
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "173", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "199",
)

# school -> (code, 校长 (fictional), grants: 专科 S, 本科 B, 硕士 M, 博士 D)
_SCHOOLS: dict[str, tuple[str, str, str]] = {
    "中南大学": ("10533", "李建中", "BMD"),
    "湖南大学": ("10532", "段晓明", "BMD"),
    "长沙理工大学": ("10536", "付宏渊", "BMD"),
    "湘潭大学": ("10530", "周益春", "BMD"),
    "湖南师范大学": ("10542", "蒋洪新", "BMD"),
    "湖南科技大学": ("10534", "唐一科", "BM"),
    "湖南工业大学": ("11535", "谭益民", "BM"),
    "南华大学": ("10555", "文格波", "BMD"),
    "湖南中医药大学": ("10541", "谭元生", "BMD"),
    "吉首大学": ("10531", "白晋湘", "BM"),
    "湖南农业大学": ("10537", "周清明", "BMD"),
    "湖南工商大学": ("10554", "陈晓红", "BM"),
    "湖南城市学院": ("11527", "邓德艾", "B"),
    "长沙学院": ("11077", "王汉青", "B"),
    "湖南财政经济学院": ("11532", "刘长庚", "B"),
    "湖南交通职业技术学院": ("12423", "刘伟英", "S"),
    "湖南铁道职业技术学院": ("12603", "刘雪梅", "S"),
    "长沙民政职业技术学院": ("12600", "戴亚雄", "S"),
}
_SERIES_SCHOOLS = {
    "工程": ("中南大学", "湖南大学", "长沙理工大学", "长沙理工大学", "湘潭大学", "湖南科技大学",
             "湖南工业大学", "南华大学", "湖南城市学院", "长沙学院", "湖南交通职业技术学院",
             "湖南铁道职业技术学院"),
    "卫生": ("中南大学", "南华大学", "湖南中医药大学", "吉首大学", "湖南师范大学"),
    "经济": ("湖南大学", "湖南师范大学", "湖南工商大学", "湖南农业大学", "湘潭大学",
             "湖南财政经济学院", "长沙民政职业技术学院"),
    "会计": ("湖南大学", "湖南工商大学", "湖南财政经济学院", "湘潭大学", "湖南农业大学",
             "长沙民政职业技术学院"),
}

_TITLES = {
    "工程": {"初级": "助理工程师", "中级": "工程师", "副高级": "高级工程师", "正高级": "正高级工程师"},
    "卫生": {"初级": "医师", "中级": "主治医师", "副高级": "副主任医师", "正高级": "主任医师"},
    "经济": {"初级": "助理经济师", "中级": "经济师", "副高级": "高级经济师", "正高级": "正高级经济师"},
    "会计": {"初级": "助理会计师", "中级": "会计师", "副高级": "高级会计师", "正高级": "正高级会计师"},
}
_LEVELS = ("初级", "中级", "副高级", "正高级")

# specialty -> (undergraduate majors, postgraduate majors, junior-college majors)
_SPECIALTIES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "工程": {
        "道路与桥梁": (("道路桥梁与渡河工程", "土木工程"), ("道路与铁道工程", "桥梁与隧道工程"),
                  ("道路桥梁工程技术",)),
        "计算机应用技术": (("计算机科学与技术", "软件工程"), ("计算机应用技术", "软件工程"),
                     ("计算机应用技术",)),
        "电气工程": (("电气工程及其自动化",), ("电力系统及其自动化", "电气工程"), ("供用电技术",)),
        "建筑工程": (("土木工程", "建筑学"), ("结构工程", "市政工程"), ("建筑工程技术",)),
        "交通运输工程": (("交通工程", "交通运输"), ("交通运输规划与管理",), ("道路运输管理",)),
        "工程测量": (("测绘工程",), ("大地测量学与测量工程",), ("工程测量技术",)),
    },
    "卫生": {
        "内科学": (("临床医学",), ("内科学",), ()),
        "外科学": (("临床医学",), ("外科学",), ()),
        "儿科学": (("临床医学", "儿科学"), ("儿科学",), ()),
        "妇产科学": (("临床医学",), ("妇产科学",), ()),
        "全科医学": (("临床医学",), ("全科医学",), ()),
    },
    "经济": {
        "工商管理": (("工商管理",), ("企业管理",), ("工商企业管理",)),
        "人力资源管理": (("人力资源管理",), ("企业管理",), ("人力资源管理",)),
        "金融": (("金融学",), ("金融学",), ("金融管理",)),
        "财政税收": (("财政学", "税收学"), ("财政学",), ("财税",)),
    },
    "会计": {
        "会计": (("会计学", "财务管理"), ("会计学",), ("会计",)),
    },
}
_DISCIPLINE = {"工程": "工学", "卫生": "医学", "会计": "管理学"}
_ECONOMICS_MAJORS = {"金融学", "财政学", "税收学"}

_EDU_CODE = {"博士研究生": "01", "硕士研究生": "02", "大学本科": "05", "大学专科": "06"}
_DEGREE_CODE = {"博士": "2", "硕士": "3", "学士": "4"}
_DEGREE_OF = {"博士研究生": "博士", "硕士研究生": "硕士", "大学本科": "学士", "大学专科": "无"}

_CITIES = ("长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州",
           "永州", "怀化", "娄底", "湘西")
_RIVERS = ("湘江", "资水", "沅水", "澧水", "洞庭湖", "浏阳河", "耒水")
_PREVIOUS_EMPLOYERS = {
    "工程": ("中国建筑第五工程局有限公司", "湖南路桥建设集团有限责任公司", "中铁五局集团有限公司",
             "湖南省建筑设计院集团股份有限公司", "长沙市规划勘测设计研究院"),
    "卫生": ("湘雅医院", "湖南省人民医院", "长沙市第一医院", "株洲市中心医院"),
    "经济": ("湖南华菱钢铁集团有限责任公司", "长沙银行股份有限公司", "湖南省现代物流集团有限公司"),
    "会计": ("天职国际会计师事务所湖南分所", "湖南兴湘投资控股集团有限公司", "长沙银行股份有限公司"),
}


# --- generation of one person ---------------------------------------------------------------

@dataclass
class _Person:
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


def _pick_name(rng: random.Random, gender: str) -> str:
    chars = _MALE_CHARS if gender == "男" else _FEMALE_CHARS
    surname = "欧阳" if rng.random() < 0.015 else rng.choice(_SURNAMES)
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


def _choose_units(units: Sequence[SampleUnit]) -> tuple[list[SampleUnit], list[SampleUnit]]:
    """(units whose applications are accepted, units registered but not approved)."""
    approved = {u.code for u in units if u.status == "已审核"}
    ready = [u for u in units if u.status == "已审核" and (not u.parent_code or u.parent_code in approved)]
    superiors = {u.parent_code for u in units} | {u.supervisor_code for u in units}
    working = [u for u in ready if u.code not in superiors] or ready
    pending = [u for u in units if u.status != "已审核"]
    return working, pending


def _series_for(rng: random.Random, unit_name: str) -> str:
    if "医院" in unit_name or "卫生" in unit_name:
        return "卫生"
    r = rng.random()
    return "工程" if r < 0.76 else "经济" if r < 0.88 else "会计"


def _make_person(rng: random.Random, index: int, year: int, unit: tuple[str, str, str],
                 used_ids: set[str], flaw: str | None) -> _Person:
    unit_code, unit_name, unit_kind = unit
    series = _series_for(rng, unit_name)
    if flaw in ("unit.not_approved", "unit.unregistered") and series == "卫生":
        series = "工程"
    specialty = rng.choice(sorted(_SPECIALTIES[series]))
    # level and education
    r = rng.random()
    level = "中级" if r < 0.40 else "副高级" if r < 0.86 else "正高级" if r < 0.93 else "初级"
    if flaw == "tenure.insufficient":
        level = "副高级"
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
        current_level = _LEVELS[_LEVELS.index(level) - 1]
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
        current_title = _TITLES[series][current_level]
        current_title_date = _title_date(rng, year - tenure)
        floor = work_start + timedelta(days=200)
        if current_title_date < floor:  # a doctor's 中级 soon after graduation
            current_title_date = _title_date(rng, floor.year)

    # school and majors
    grants = {"大学专科": "S", "大学本科": "B", "硕士研究生": "M", "博士研究生": "D"}[education]
    schools = [s for s in _SERIES_SCHOOLS[series] if grants in _SCHOOLS[s][2]]
    if not schools:
        schools = [s for s in _SCHOOLS if grants in _SCHOOLS[s][2]]
    school = rng.choice(schools)
    school_code, school_head, _ = _SCHOOLS[school]
    ug, pg, junior = _SPECIALTIES[series][specialty]
    major = rng.choice(junior if education == "大学专科" else pg if education in ("硕士研究生", "博士研究生") else ug)
    degree = _DEGREE_OF[education]
    if degree == "学士" and rng.random() < 0.04:
        degree = "无"

    # ID number, unique in the batch
    seq_gender = 1 if gender == "男" else 0
    for _ in range(100):
        seq = rng.randrange(0, 50) * 20 + rng.randrange(0, 5) * 2 + seq_gender
        first17 = rng.choice(_ID_REGIONS) + birth.strftime("%Y%m%d") + f"{seq % 1000:03d}"
        id_number = _id_number(first17)
        if id_number not in used_ids:
            break
    if flaw == "id_number.invalid":
        wrong = [c for c in "0123456789X" if c != id_number[17]]
        id_number = id_number[:17] + rng.choice(wrong)
    used_ids.add(id_number)

    phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
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

    name = _pick_name(rng, gender)
    applicant = SampleApplicant(
        name=name, id_number=id_number, gender=declared_gender, phone=phone, unit_code=unit_code,
        unit_name=unit_name, year=year, series=series, specialty=specialty, level=level,
        title_name=_TITLES[series][level], current_title=current_title,
        current_title_date=current_title_date, education=education, degree=degree, school=school,
        graduation_date=graduation, work_start_date=work_start, ce_hours=total,
        ce_public_hours=public, ce_professional_hours=total - public, path=path,
        offline_review=offline_review, flaws=[flaw] if flaw else [], birth_date=birth, major=major,
    )
    serial = f"{rng.randrange(1, 10**6):06d}"
    diploma_no = school_code + "1" + f"{grad_year}" + _EDU_CODE[education] + serial
    degree_no = (school_code + _DEGREE_CODE.get(degree, "4") + f"{grad_year}"
                 + f"{rng.randrange(1, 10**6):06d}")
    if current_title_date is not None:
        level_digit = {"初级": "3", "中级": "2", "副高级": "1"}[current_level]
        title_cert_no = f"43{current_title_date.year}{level_digit}{rng.randrange(10**7):07d}"
    else:
        title_cert_no = ""
    previous = rng.choice(_PREVIOUS_EMPLOYERS[series]) if age - grad_age > 8 and rng.random() < 0.5 else ""
    sign_date = date(year, 3, 1) + timedelta(days=rng.randrange(40))
    return _Person(applicant, gender, birth, study_start, unit_kind, school_code, school_head,
                   diploma_no, degree_no, title_cert_no, previous, sign_date, index)


# ---------------------------------------------------------------------------------------------
# Fonts and image drawing

_FONT_FILES = {
    "serif": (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),),
    "serif-bold": (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),),
    "sans": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),),
    "sans-bold": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),),
}
_FALLBACK_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@lru_cache(maxsize=None)
def _font(style: str, size: int) -> ImageFont.FreeTypeFont:
    """A CJK font, loaded once per style and size."""
    for path, index in _FONT_FILES.get(style, ()) + _FALLBACK_FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=index)
    raise RuntimeError("没有找到中文字体：请安装 fonts-noto-cjk（或 fonts-wqy-zenhei）后重试")


_INK = (28, 28, 30)
_RED = (212, 30, 36)
_NO_LINE_START = set("，。、；：？！）》」』”’%")


@lru_cache(maxsize=None)
def _glyph(style: str, size: int, ch: str) -> tuple[Image.Image | None, int, int, float]:
    """One character rendered once: (alpha mask, left, top, advance). Drawing certificates from
    cached glyphs is several times faster than asking FreeType for every line."""
    font = _font(style, size)
    advance = font.getlength(ch)
    left, top, right, bottom = font.getbbox(ch)
    if right <= left or bottom <= top:
        return None, 0, 0, advance
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), ch, font=font, fill=255)
    return mask, left, top, advance


def _text_width(style: str, size: int, text: str) -> float:
    return sum(_glyph(style, size, ch)[3] for ch in text)


def _wrap(style: str, size: int, text: str, width: float) -> list[str]:
    lines, line, used = [], "", 0.0
    for ch in text:
        advance = _glyph(style, size, ch)[3]
        if line and ch not in _NO_LINE_START and used + advance > width:
            lines.append(line)
            line, used = ch, advance
        else:
            line += ch
            used += advance
    if line:
        lines.append(line)
    return lines


class _Sheet:
    """A certificate being drawn: a paper background, text helpers and seals."""

    def __init__(self, kind: str, w: int, h: int, light: bool) -> None:
        self.img = _background(kind, w, h, light).copy()
        self.draw = ImageDraw.Draw(self.img)
        self.w, self.h, self.light = w, h, light

    def text(self, x: float, y: float, text: str, size: int, style: str = "serif",
             fill: tuple[int, int, int] = _INK, spacing: float = 0.0) -> float:
        for ch in text:
            mask, left, top, advance = _glyph(style, size, ch)
            if mask is not None:
                self.img.paste(fill, (round(x) + left, round(y) + top), mask)
            x += advance + spacing
        return x

    def center(self, y: float, text: str, size: int, style: str = "serif-bold",
               fill: tuple[int, int, int] = _INK, spacing: float = 0.0) -> None:
        gap = spacing * size
        width = _text_width(style, size, text) + gap * (len(text) - 1)
        self.text((self.w - width) / 2, y, text, size, style, fill, gap)

    def para(self, x: float, y: float, width: float, text: str, size: int, leading: float = 1.7,
             style: str = "serif") -> float:
        for line in _wrap(style, size, "\u3000\u3000" + text, width):
            self.text(x, y, line, size, style)
            y += size * leading
        return y

    def fit(self, x: float, y: float, width: float, text: str, size: int, minimum: int = 9,
            style: str = "serif") -> None:
        while size > minimum and _text_width(style, size, text) > width:
            size -= 1
        self.text(x, y, text, size, style)

    def seal(self, cx: float, cy: float, radius: int, text: str, bottom: str = "") -> None:
        stamp = _seal(text, radius, bottom)
        self.img.paste(stamp, (int(cx - stamp.width / 2), int(cy - stamp.height / 2)), stamp)


_PAPER = {
    "diploma": ((252, 249, 240), (150, 42, 38)),
    "degree": ((249, 250, 243), (32, 86, 62)),
    "title": ((245, 249, 252), (36, 70, 128)),
    "ce": ((255, 255, 255), None),
    "honor": ((253, 246, 238), (186, 146, 58)),
    "page": ((252, 252, 250), None),
}


@lru_cache(maxsize=32)
def _background(kind: str, w: int, h: int, light: bool) -> Image.Image:
    paper, border = _PAPER[kind]
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    if border is not None:
        m = min(w, h)
        outer, inner = round(m * 0.03), round(m * 0.05)
        draw.rectangle([outer, outer, w - outer, h - outer], outline=border, width=max(2, m // 110))
        draw.rectangle([inner, inner, w - inner, h - inner], outline=border, width=max(1, m // 400))
        if not light:  # a row of small diamonds between the two frames
            step, r, mid = m // 28, m // 180, (outer + inner) // 2
            for x in range(inner + step // 2, w - inner, step):
                for y in (mid, h - mid):
                    draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=border)
            for y in range(inner + step // 2, h - inner, step):
                for x in (mid, w - mid):
                    draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=border)
    if kind in ("diploma", "degree", "title") and not light:
        x0, y0, x1, y1 = _photo_box(w, h)
        draw.rectangle([x0, y0, x1, y1], fill=(214, 228, 240), outline=(150, 150, 150), width=2)
        cx, hw = (x0 + x1) / 2, (x1 - x0)
        draw.ellipse([cx - hw * 0.2, y0 + hw * 0.25, cx + hw * 0.2, y0 + hw * 0.75], fill=(120, 120, 128))
        draw.pieslice([cx - hw * 0.42, y0 + hw * 0.82, cx + hw * 0.42, y0 + hw * 1.7], 180, 360,
                      fill=(70, 80, 100))
    return img


def _photo_box(w: int, h: int) -> tuple[int, int, int, int]:
    x0, y0 = round(w * 0.094), round(h * 0.27)
    return x0, y0, x0 + round(w * 0.18), y0 + round(w * 0.24)


@lru_cache(maxsize=64)
def _seal(text: str, radius: int, bottom: str) -> Image.Image:
    """A round red seal: ring, star, the name along the upper arc and a line at the bottom."""
    size = 2 * radius + 6
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = _RED + (210,)
    c = size / 2
    ring = max(2, radius // 14)
    draw.ellipse([3, 3, size - 4, size - 4], outline=red, width=ring)
    star_r = radius * 0.27
    points = []
    for k in range(10):
        r = star_r if k % 2 == 0 else star_r * 0.4
        a = math.radians(90 + k * 36)
        points.append((c + r * math.cos(a), c - r * math.sin(a)))
    draw.polygon(points, fill=red)
    n = len(text)
    fs = max(8, int(radius * 0.27))
    while fs > 8 and n * fs * 1.12 > math.radians(250) * (radius - ring - fs * 0.75):
        fs -= 1  # a long name gets smaller characters, as on a real seal
    font = _font("sans-bold", fs)
    r_text = radius - ring - fs * 0.75
    step = math.degrees(fs * 1.12 / r_text)
    span = step * (n - 1)
    for i, ch in enumerate(text):
        angle = 90 + span / 2 - step * i
        glyph = Image.new("RGBA", (fs + 6, fs + 6), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(((fs + 6) / 2, (fs + 6) / 2), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(angle - 90, resample=Image.Resampling.BICUBIC, expand=True)
        a = math.radians(angle)
        x, y = c + r_text * math.cos(a), c - r_text * math.sin(a)
        img.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    if bottom:
        bf = _font("sans-bold", max(7, int(fs * 0.8)))
        draw.text((c, c + radius * 0.55), bottom, font=bf, fill=red, anchor="mm")
    return img


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _cn_date(d: date) -> str:
    """二〇一二年六月三十日"""
    return ("".join(_CN_DIGITS[int(c)] for c in str(d.year)) + "年" + _cn_number(d.month) + "月"
            + _cn_number(d.day) + "日")


def _ymd(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _ym(d: date) -> str:
    return f"{d.year}年{d.month}月"


# --- the certificates ------------------------------------------------------------------------

def _landscape(light: bool) -> tuple[int, int]:
    return (600, 420) if light else (1600, 1130)


def _diploma(p: _Person, light: bool) -> Image.Image:
    a = p.applicant
    w, h = _landscape(light)
    s = _Sheet("diploma", w, h, light)
    postgrad = a.education in ("硕士研究生", "博士研究生")
    s.center(22 if light else 105, "研究生毕业证书" if postgrad else "毕业证书", 30 if light else 92,
             spacing=0.15 if postgrad else 0.6)
    finish = a.graduation_date
    if postgrad:
        plan = "硕士研究生" if a.education == "硕士研究生" else "博士研究生"
        body = (f"研究生 {a.name}，性别 {p.true_gender}，{_ymd(p.birth)}生，于{_ym(p.study_start)}至"
                f"{_ym(finish)}在本校 {a.major} 专业学习，学制{_cn_number(finish.year - p.study_start.year)}年，"
                f"修完{plan}培养计划规定的全部课程，成绩合格，毕业论文答辩通过，准予毕业。")
    else:
        years = _cn_number(finish.year - p.study_start.year)
        kind = "专科" if a.education == "大学专科" else "本科"
        body = (f"学生 {a.name}，性别 {p.true_gender}，{_ymd(p.birth)}生，于{_ym(p.study_start)}至"
                f"{_ym(finish)}在本校 {a.major} 专业{years}年制{kind}学习，修完教学计划规定的全部课程，"
                f"成绩合格，准予毕业。")
    if light:
        s.para(30, 72, w - 60, body, 19, 1.6)
        s.text(30, h - 52, f"证书编号：{p.diploma_no}", 14, "sans")
        s.text(330, h - 138, f"校　名：{a.school}", 19)
        s.text(330, h - 108, f"校　长：{p.school_head}", 19)
        s.text(330, h - 78, _cn_date(finish), 19)
        s.seal(500, h - 118, 50, a.school, "")
    else:
        x0 = _photo_box(w, h)[2] + 70
        s.para(x0, 300, w - x0 - 150, body, 42, 1.75)
        s.text(150, h - 300, "证书编号：", 30, "sans")
        s.text(150, h - 255, p.diploma_no, 30, "sans")
        s.text(860, h - 330, f"校　　名：{a.school}", 42)
        s.text(860, h - 260, f"校（院）长：{p.school_head}", 42)
        s.text(860, h - 190, _cn_date(finish), 42)
        s.seal(1150, h - 290, 135, a.school, "")
    return s.img


def _degree(p: _Person, light: bool) -> Image.Image:
    a = p.applicant
    w, h = _landscape(light)
    s = _Sheet("degree", w, h, light)
    s.center(22 if light else 105, f"{a.degree}学位证书", 30 if light else 92, spacing=0.3)
    major = a.major
    discipline = ("经济学" if major in _ECONOMICS_MAJORS else "管理学") if a.series == "经济" \
        else _DISCIPLINE[a.series]
    law = "《中华人民共和国学位法》" if a.graduation_date.year >= 2025 else "《中华人民共和国学位条例》"
    if a.degree == "学士":
        body = (f"{a.name}，{p.true_gender}，{_ymd(p.birth)}生。在{a.school}{major}专业完成了本科学业，"
                f"成绩合格。根据{law}的规定，授予{discipline}学士学位。")
    else:
        body = (f"{a.name}，{p.true_gender}，{_ymd(p.birth)}生。在{a.school}{major}学科（专业）完成了"
                f"{a.degree}学位的课程学习和论文答辩，成绩合格。根据{law}的规定，授予{discipline}"
                f"{a.degree}学位。")
    if light:
        s.para(30, 72, w - 60, body, 19, 1.6)
        s.text(30, h - 52, f"证书编号：{p.degree_no}", 14, "sans")
        s.text(300, h - 138, f"{a.school}", 19)
        s.text(300, h - 108, f"校长　学位评定委员会主席　{p.school_head}", 16)
        s.text(300, h - 78, _cn_date(a.graduation_date), 19)
        s.seal(500, h - 118, 50, a.school, "")
    else:
        x0 = _photo_box(w, h)[2] + 70
        s.para(x0, 300, w - x0 - 150, body, 42, 1.75)
        s.text(150, h - 300, "证书编号：", 30, "sans")
        s.text(150, h - 255, p.degree_no, 30, "sans")
        s.text(760, h - 330, a.school, 42)
        s.text(760, h - 260, f"校长　学位评定委员会主席　{p.school_head}", 36)
        s.text(760, h - 190, _cn_date(a.graduation_date), 42)
        s.seal(1120, h - 300, 135, a.school, "")
    return s.img


def _title_certificate(p: _Person, light: bool, shown_id: str) -> Image.Image:
    a = p.applicant
    w, h = _landscape(light)
    s = _Sheet("title", w, h, light)
    d = a.current_title_date or date(a.year - 6, 12, 28)
    level = _LEVELS[_LEVELS.index(a.level) - 1]
    board = f"湖南省{a.series}系列{level}职称评审委员会"
    fields = [
        ("姓　　名", a.name), ("性　　别", p.true_gender), ("身份证号", shown_id),
        ("资格名称", a.current_title), ("专　　业", a.specialty), ("评审机构", board),
        ("批准时间", _ymd(d)), ("证书编号", p.title_cert_no),
    ]
    s.center(20 if light else 100, "专业技术资格证书", 28 if light else 84, spacing=0.25)
    if light:
        y = 66
        for label, value in fields:
            s.fit(40, y, w - 80, f"{label}：{value}", 18)
            y += 30
        s.text(300, h - 64, "发证机关：湖南省人力资源和社会保障厅", 14, "sans")
        s.seal(480, h - 100, 52, "湖南省人力资源和社会保障厅", "")
    else:
        x0 = _photo_box(w, h)[2] + 80
        y = 290
        for label, value in fields:
            s.fit(x0, y, w - x0 - 140, f"{label}：{value}", 40)
            y += 70
        s.text(150, h - 115, "本证书是持证人具备相应专业技术资格的证明，经审核有效。", 28, "sans")
        s.text(900, h - 230, "发证机关：湖南省人力资源和社会保障厅", 32, "sans")
        s.text(900, h - 180, _cn_date(d + timedelta(days=20)), 32, "sans")
        s.seal(1200, h - 250, 140, "湖南省人力资源和社会保障厅", "")
    return s.img


def _ce_form(p: _Person, light: bool, rng: random.Random, shown_name: str, shown_id: str) -> Image.Image:
    a = p.applicant
    w, h = (420, 600) if light else (1130, 1600)
    s = _Sheet("ce", w, h, light)
    d = s.draw
    m = 20 if light else 80
    fs = 15 if light else 34
    row = 34 if light else 84
    s.center(m, "湖南省专业技术人员继续教育学时认定单", 19 if light else 48)
    y = m + (48 if light else 130)
    credited = a.year - 1
    x = (m, m + (w - 2 * m) * 0.22, m + (w - 2 * m) * 0.5, m + (w - 2 * m) * 0.72, w - m)
    table = [
        (("姓名", 1), (shown_name, 1), ("性别", 1), (p.true_gender, 1)),
        (("身份证号", 1), (shown_id, 3)),
        (("工作单位", 1), (a.unit_name, 3)),
        (("认定年度", 1), (f"{credited}年度", 3)),
        (("公需科目", 1), (f"{a.ce_public_hours}学时", 1), ("专业科目", 1), (f"{a.ce_professional_hours}学时", 1)),
        (("合计", 1), (f"{a.ce_hours}学时", 3)),
    ]
    line = (60, 60, 60)
    for cells in table:
        col = 0
        for text, span in cells:
            x0, x1 = x[col], x[col + span]
            d.rectangle([x0, y, x1, y + row], outline=line, width=1 if light else 2)
            s.fit(x0 + (6 if light else 16), y + (row - fs) / 2 - (2 if light else 4), x1 - x0 - 12, text, fs)
            col += span
        y += row
    if not light:  # the courses behind the totals
        y += 50
        s.text(m, y, "学时明细", 34, "serif-bold")
        y += 60
        courses = _ce_courses(rng, a)
        cx = (m, m + 90, m + 640, m + 800, w - m)
        for cells in [("序号", "课程名称", "类别", "学时")] + courses:
            for i, text in enumerate(cells):
                d.rectangle([cx[i], y, cx[i + 1], y + 62], outline=line, width=2)
                s.fit(cx[i] + 12, y + 12, cx[i + 1] - cx[i] - 20, text, 30)
            y += 62
    y += row * 0.7
    s.para(m, y, w - 2 * m, f"经审核，该同志{credited}年度继续教育学时真实有效，予以认定。", fs, 1.6)
    issuer = "湖南省专业技术人员继续教育管理服务中心"
    small = 12 if light else 32
    lines = ["认定机构（盖章）：", issuer, _ymd(date(a.year, 1, 10) + timedelta(days=p.index % 40))]
    yy = h - (90 if light else 240)
    for text in lines:
        width = _text_width("sans", small, text)
        s.text(w - m - width - (4 if light else 20), yy, text, small, "sans")
        yy += small * 1.6
    s.seal(w - m - (70 if light else 200), h - (64 if light else 165), 44 if light else 125,
           issuer[:12], "学时认定专用章")
    return s.img


def _ce_courses(rng: random.Random, a: SampleApplicant) -> list[tuple[str, str, str, str]]:
    public = ["习近平新时代中国特色社会主义思想专题", "数字经济与创新驱动发展", "专业技术人员职业道德与诚信建设",
              "新质生产力与高质量发展", "人工智能赋能专业技术工作"]
    professional = {
        "工程": ["公路工程技术标准新变化解读", "桥梁结构健康监测技术", "BIM技术在工程设计中的应用",
                 "工程项目全过程质量管理", "绿色低碳交通基础设施建设"],
        "卫生": ["常见慢性病规范化诊疗进展", "急危重症早期识别与处置", "临床合理用药与安全",
                 "医疗质量与患者安全管理", "循证医学方法与实践"],
        "经济": ["企业数字化转型与管理创新", "宏观经济形势与政策解读", "人力资源管理实务前沿",
                 "金融风险防控实务"],
        "会计": ["企业会计准则最新修订解读", "管理会计工具与应用", "内部控制与风险管理",
                 "税收政策更新与纳税筹划"],
    }[a.series]
    rows: list[tuple[str, str, str, str]] = []

    def split(total: int, names: list[str], kind: str) -> None:
        k = 2 if total < 45 else 3
        names = rng.sample(names, min(k, len(names)))
        parts = [total // len(names)] * len(names)
        parts[0] += total - sum(parts)
        for n, hours in zip(names, parts):
            rows.append((str(len(rows) + 1), n, kind, str(hours)))

    split(a.ce_public_hours, public, "公需科目")
    split(a.ce_professional_hours, professional, "专业科目")
    return rows


def _honor(p: _Person, light: bool) -> Image.Image:
    a = p.applicant
    w, h = _landscape(light)
    s = _Sheet("honor", w, h, light)
    s.center(30 if light else 140, "荣誉证书", 34 if light else 100, fill=(170, 30, 30), spacing=0.6)
    body = (f"{a.name}同志：在{a.year - 2}年度工作中表现突出，成绩显著，被评为先进工作者。"
            "特发此证，以资鼓励。")
    if light:
        s.para(40, 110, w - 80, body, 20, 1.7)
        s.text(330, h - 100, a.unit_name[:14], 16)
        s.text(360, h - 72, _cn_date(date(a.year - 1, 1, 20)), 16)
        s.seal(450, h - 90, 50, a.unit_name, "")
    else:
        s.para(200, 420, w - 400, body, 48, 1.8)
        s.text(900, h - 300, a.unit_name, 40)
        s.text(980, h - 230, _cn_date(date(a.year - 1, 1, 20)), 40)
        s.seal(1150, h - 280, 140, a.unit_name, "")
    return s.img


def _scanned_page(p: _Person, light: bool, rng: random.Random) -> Image.Image:
    """A page of 业绩材料 photographed instead of printed to PDF (flaw material.wrong_form)."""
    a = p.applicant
    w, h = (420, 600) if light else (1130, 1600)
    s = _Sheet("page", w, h, light)
    s.center(24 if light else 110, "项目完成情况证明", 22 if light else 56)
    project = _projects(rng, a, 1)[0]
    y = s.para(24 if light else 110, 80 if light else 250, w - (48 if light else 220),
               f"兹证明{a.name}同志（身份证号：{a.id_number}）作为{project['role']}参与了{project['name']}，"
               f"{project['task']}。{project['result']}", 16 if light else 38, 1.7)
    s.text(w * 0.45, h - (90 if light else 300), f"证明单位：{a.unit_name[:12]}", 13 if light else 32, "sans")
    s.seal(w * 0.7, h - (100 if light else 330), 48 if light else 130, a.unit_name, "")
    return s.img


def _jpeg(img: Image.Image, light: bool) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80 if light else 85)
    return buf.getvalue()


def _png(img: Image.Image, light: bool) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1 if light else 6)
    return buf.getvalue()


def _phone_photo(img: Image.Image, rng: random.Random, year: int, light: bool) -> bytes:
    """The certificate photographed on a desk with a phone held sideways: the pixels are stored
    rotated 90° counter-clockwise and EXIF orientation 6 says to turn them clockwise for display."""
    desk = (112, 92, 72)
    bw, bh = int(img.width * 1.12), int(img.height * 1.16)
    photo = Image.new("RGB", (bw, bh), desk)
    tilted = img.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC, expand=True,
                        fillcolor=desk)
    photo.paste(tilted, ((bw - tilted.width) // 2, (bh - tilted.height) // 2))
    stored = photo.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° CW to display
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "ELS-AN00"
    exif[0x0132] = f"{year}:02:{10 + rng.randrange(15):02d} {9 + rng.randrange(9):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=80 if light else 85, exif=exif.tobytes())
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# PDFs (reportlab, CID font STSong-Light so that the text layer extracts)

_PDF_FONT = "STSong-Light"
_pdf_width: dict[str, float] = {}


def _pdf_setup() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))


def _char_width(ch: str) -> float:
    w = _pdf_width.get(ch)
    if w is None:
        from reportlab.pdfbase import pdfmetrics

        w = _pdf_width[ch] = pdfmetrics.stringWidth(ch, _PDF_FONT, 1.0)
    return w


def _pdf_wrap(text: str, size: float, width: float) -> list[str]:
    lines, line, used = [], "", 0.0
    widths = _pdf_width
    for ch in text:
        cw = (widths.get(ch) or _char_width(ch)) * size
        if line and ch not in _NO_LINE_START and used + cw > width:
            lines.append(line)
            line, used = ch, cw
        else:
            line += ch
            used += cw
    if line:
        lines.append(line)
    return lines


class _Doc:
    """A flowing A4 document: titles, headings, paragraphs, simple tables, page numbers."""

    def __init__(self, title: str, author: str, light: bool) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        _pdf_setup()
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, invariant=1)
        self.c.setTitle(title)
        self.c.setAuthor(author)
        self.c.setCreator("WPS 文字")
        self.W, self.H = A4
        self.m = 36 if light else 64
        self.y = self.H - self.m
        self.page = 1

    @property
    def width(self) -> float:
        return self.W - 2 * self.m

    def need(self, height: float) -> None:
        if self.y - height < self.m + 12:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.y = self.H - self.m

    def _footer(self) -> None:
        self.c.setFont(_PDF_FONT, 8)
        self.c.drawCentredString(self.W / 2, self.m / 2, f"第 {self.page} 页")

    def title(self, text: str, size: float = 18) -> None:
        self.need(size * 2.2)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawCentredString(self.W / 2, self.y - size, text)
        self.y -= size * 2.2

    def heading(self, text: str, size: float = 13) -> None:
        self.need(size * 2.4)
        self.y -= size * 0.4
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m, self.y - size, text)
        self.y -= size * 1.8

    def line(self, text: str, size: float = 11, x: float | None = None) -> None:
        self.need(size * 1.7)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m if x is None else x, self.y - size, text)
        self.y -= size * 1.7

    def para(self, text: str, size: float = 11, leading: float = 1.65, indent: bool = True) -> None:
        lines = _pdf_wrap(("\u3000\u3000" if indent else "") + text, size, self.width)
        step = size * leading
        done = 0
        while done < len(lines):  # one text object per page part: far fewer operators to write
            self.need(step)
            room = max(1, int((self.y - self.m - 12) // step))
            chunk = lines[done:done + room]
            text_object = self.c.beginText(self.m, self.y - size)
            text_object.setFont(_PDF_FONT, size, step)
            for line in chunk:
                text_object.textLine(line)
            self.c.drawText(text_object)
            self.y -= step * len(chunk)
            done += len(chunk)
            if done < len(lines):
                self.new_page()
        self.y -= size * 0.3

    def table(self, rows: list[list[tuple[str, int]]], columns: int, size: float = 10.5,
              row_h: float = 24, widths: Sequence[float] | None = None) -> None:
        """Rows of (text, span) cells over `columns` columns; long text shrinks to fit."""
        col_w = [self.width * f for f in widths] if widths else [self.width / columns] * columns
        for cells in rows:
            self.need(row_h)
            x, col = self.m, 0
            for text, span in cells:
                cw = sum(col_w[col:col + span])
                self.c.rect(x, self.y - row_h, cw, row_h)
                fs = size
                while fs > 6 and sum(_char_width(ch) for ch in text) * fs > cw - 8:
                    fs -= 0.5
                self.c.setFont(_PDF_FONT, fs)
                self.c.drawString(x + 4, self.y - row_h / 2 - fs / 2 + 1.5, text)
                x += cw
                col += span
            self.y -= row_h
        self.y -= 8

    def box(self, heading: str, text: str, height: float, size: float = 10.5) -> None:
        self.need(height)
        self.c.rect(self.m, self.y - height, self.width, height)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m + 6, self.y - size - 6, heading)
        yy = self.y - size * 2 - 12
        for line in _pdf_wrap(text, size, self.width - 16):
            self.c.drawString(self.m + 8, yy - size, line)
            yy -= size * 1.6
        self.y -= height + 8

    def finish(self) -> bytes:
        from reportlab import rl_config

        self._footer()
        # Plain Flate streams: the pure-Python ASCII85 step would double the time of a sample PDF.
        # The setting is global in reportlab, so it is put back at once.
        saved, rl_config.useA85 = rl_config.useA85, 0
        try:
            self.c.save()
        finally:
            rl_config.useA85 = saved
        return self.buf.getvalue()


def _date_text(d: date | None) -> str:
    return "" if d is None else f"{d.year}年{d.month}月{d.day}日"


def _application_form(p: _Person, light: bool, rng: random.Random) -> bytes:
    a = p.applicant
    doc = _Doc("专业技术职称评审表", a.name, light)
    doc.title("专业技术职称评审表", 20)
    doc.line(f"申报系列：{a.series}　　申报专业：{a.specialty}　　申报级别：{a.level}　　"
             f"申报资格：{a.title_name}", 10)
    doc.line(f"申报年度：{a.year}　　申报途径：{a.path}", 10)
    basics = [
        [("姓名", 1), (a.name, 1), ("性别", 1), (a.gender, 1), ("出生年月", 1), (_ym(p.birth), 1)],
        [("身份证号", 1), (a.id_number, 3), ("手机号码", 1), (a.phone, 1)],
        [("工作单位", 1), (a.unit_name, 5)],
        [("单位统一社会信用代码", 2), (a.unit_code, 4)],
        [("现职称", 1), (a.current_title or "无", 2), ("取得时间", 1), (_date_text(a.current_title_date) or "—", 2)],
        [("最高学历", 1), (a.education, 1), ("最高学位", 1), (a.degree, 1), ("毕业时间", 1), (_ym(a.graduation_date), 1)],
        [("毕业院校", 1), (a.school, 2), ("所学专业", 1), (a.major, 2)],
        [("参加工作时间", 2), (_date_text(a.work_start_date), 4)],
        [("继续教育学时", 2), (f"合计{a.ce_hours}学时（公需科目{a.ce_public_hours}学时，专业科目{a.ce_professional_hours}学时）", 4)],
    ]
    doc.table(basics, 6, size=9 if light else 10.5, row_h=20 if light else 26)
    if not light:
        doc.heading("主要工作经历")
        rows = [[("起止时间", 2), ("工作单位", 3), ("职务/岗位", 1)]]
        start = a.work_start_date
        if p.previous_employer:
            switch = date(start.year + rng.randint(3, 6), 3, 1)
            rows.append([(f"{_ym(start)}—{_ym(switch)}", 2), (p.previous_employer, 3), ("技术员", 1)])
            start = switch
        rows.append([(f"{_ym(start)}—至今", 2), (a.unit_name, 3), (_post(a), 1)])
        doc.table(rows, 6)
        doc.heading("主要专业技术工作业绩")
        for k, project in enumerate(_projects(rng, a, 3), 1):
            doc.para(f"{k}. {project['name']}（{project['years']}，{project['role']}）：{project['task']}。"
                     f"{project['result']}", 10.5)
        doc.heading("论文、著作及获奖情况")
        for k, paper in enumerate(_papers(rng, a, 3), 1):
            doc.para(f"{k}. {paper}", 10.5, indent=False)
        doc.new_page()
    doc.heading("个人承诺", 12 if light else 13)
    doc.para("本人承诺：所填写的个人信息和提交的申报材料真实、准确、完整，学历、资历、业绩等均无弄虚作假；"
             "如有不实，本人愿意承担取消申报资格、撤销已取得职称等一切后果及相应法律责任。",
             10 if light else 11)
    doc.line(f"承诺人（签名）：{a.name}　　　　{_date_text(p.sign_date)}", 11 if light else 12,
             x=doc.W / 2 - 40)
    if light:
        doc.box("所在单位意见", "", 60, 10)
    else:
        doc.box("所在单位意见（初审、公示情况）", "", 150)
        doc.box("主管部门意见", "", 120)
        doc.box("评审委员会意见", "", 120)
    return doc.finish()


def _post(a: SampleApplicant) -> str:
    return {"工程": "设计室主任工程师" if a.level in ("副高级", "正高级") else "技术骨干",
            "卫生": "主治医师" if a.level in ("副高级", "正高级") else "住院医师",
            "经济": "部门主管", "会计": "财务主管"}[a.series]


# --- phrase banks for the long PDFs ----------------------------------------------------------

_POLITICS = (
    "任现职以来，本人始终坚持以习近平新时代中国特色社会主义思想为指导，认真学习党的二十大和二十届历次全会精神，自觉在思想上政治上行动上同党中央保持高度一致。",
    "积极参加单位组织的政治理论学习和主题教育活动，坚持理论联系实际，不断提高政治判断力、政治领悟力和政治执行力。",
    "严格遵守国家法律法规和单位各项规章制度，恪守职业道德，爱岗敬业，廉洁自律，在工作中从未发生违规违纪行为。",
    "牢固树立以人民为中心的发展思想，把服务群众、服务基层作为工作的出发点和落脚点。",
    "工作中坚持实事求是、严谨细致的作风，尊重同事，团结协作，积极配合部门负责人完成各项工作任务。",
    "注重加强自身修养，自觉抵制各种不良风气，始终保持积极向上、奋发有为的精神状态。",
    "认真落实安全生产和保密工作责任制，牢固树立安全第一、质量至上的理念，所负责的工作未发生任何安全和质量事故。",
    "主动承担急难险重任务，在疫情防控、防汛救灾等工作中服从安排、冲锋在前，得到了单位和群众的好评。",
)
_WORK = {
    "工程": (
        "本人长期从事{spec}专业技术工作，熟悉国家和行业现行的技术标准、规范和规程，具备扎实的专业理论基础和丰富的工程实践经验。",
        "在项目前期阶段，主动深入现场开展踏勘调研，收集沿线地形、地质、水文及交通量等基础资料，为方案比选提供了可靠依据。",
        "在设计阶段，牵头开展总体方案研究，对多个比选方案从技术、经济、环境影响等方面进行综合论证，推荐方案得到了专家评审会的一致认可。",
        "注重新技术、新工艺、新材料的推广应用，在项目中积极采用BIM技术进行协同设计和碰撞检查，有效减少了设计变更。",
        "在施工配合阶段，及时解决现场出现的各类技术问题，累计处理设计变更和技术咨询{n}余项，保障了工程按期优质完成。",
        "严格执行质量管理体系文件要求，认真做好技术文件的自校和互校工作，所负责的成果文件一次性通过审查。",
        "参与编制了单位内部技术标准和作业指导书，对规范专业技术管理、提高工作效率起到了积极作用。",
        "针对项目建设中遇到的软土地基处理、高边坡防护等技术难题，组织开展专题研究，提出的处治方案安全可靠、经济合理。",
        "积极参与行业技术交流活动，多次在省内专业技术研讨会上作交流发言，分享{spec}领域的实践经验。",
        "重视工程造价控制，在保证功能和安全的前提下优化设计方案，累计为建设单位节约投资{m}余万元。",
        "在{spec}数字化转型工作中，参与搭建了项目管理信息平台，实现了进度、质量、安全数据的实时采集和分析。",
        "坚持技术服务与现场实际相结合，定期回访已建成项目，总结运营中暴露的问题，持续改进设计质量。",
    ),
    "卫生": (
        "本人长期工作在{spec}临床一线，熟练掌握本专业常见病、多发病的诊断和治疗，能够独立处理本专业危重病人的抢救工作。",
        "任现职以来，累计门诊接诊患者{n}余人次，管理住院病人{m}余人次，主持或参与疑难危重病例讨论百余次。",
        "严格执行十八项医疗核心制度，认真书写病历，规范合理用药，所管病人未发生医疗差错和医疗事故。",
        "积极参与科室业务学习和教学查房，承担实习医生、规培医生的带教任务，所带学员考核合格率高。",
        "多次参加基层义诊、健康扶贫和对口支援活动，深入乡镇卫生院开展技术指导和业务培训。",
        "注重新技术、新项目的引进和开展，在科室率先开展了多项新技术，取得了良好的临床效果和社会效益。",
        "认真落实医院感染防控要求，规范开展手卫生和医疗废物管理，所在病区院感指标持续保持在控制范围内。",
        "重视医患沟通，耐心细致地向患者及家属讲解病情和诊疗方案，患者满意度始终保持在较高水平。",
        "参与制定科室{spec}常见病诊疗规范和临床路径，推动了诊疗行为的规范化和同质化。",
        "积极参与医联体建设和远程会诊工作，帮助基层医疗机构提升{spec}诊疗能力。",
        "在突发公共卫生事件应急处置中，服从组织安排，参与救治工作，圆满完成了各项医疗保障任务。",
    ),
    "经济": (
        "本人长期从事{spec}工作，熟悉国家经济政策和行业管理规定，具备较强的政策理解能力和业务处理能力。",
        "参与单位年度经营计划和中长期发展规划的编制，对主要经营指标开展跟踪分析，为领导决策提供了有力支撑。",
        "牵头完成了单位管理信息化系统升级工作，实现了业务流程的线上办理和数据的集中管理。",
        "定期开展经济活动分析，撰写分析报告{n}余篇，提出的多项管理建议被单位采纳并取得实效。",
        "参与单位重大投资项目的可行性研究和经济评价，测算项目收益和风险，形成的评价报告得到了主管部门的认可。",
        "配合完成年度审计、巡视巡察及各类专项检查工作，对发现的问题及时制定整改措施并抓好落实。",
        "注重制度建设，参与修订了单位合同管理、采购管理等管理制度{n}项，进一步规范了内部管理。",
        "积极推进降本增效工作，通过优化业务流程和加强成本管控，为单位节约费用{m}余万元。",
        "在{spec}工作中注重数据分析方法的运用，建立了关键指标监测体系，提高了管理的精细化水平。",
        "主动加强与金融机构、政府部门的沟通协调，争取政策支持和资金保障，推动了重点项目的顺利实施。",
    ),
    "会计": (
        "本人长期从事{spec}工作，熟悉国家财经法规和企业会计准则，具备较强的政策理解能力和业务处理能力。",
        "负责单位年度预算编制、执行监控和决算分析，推动建立了全面预算管理体系，预算执行偏差率控制在合理范围内。",
        "牵头完成了单位财务信息化系统升级工作，实现了费用报销、资金支付和会计核算的一体化管理。",
        "认真做好税务筹划和纳税申报工作，依法享受各项税收优惠政策，为单位节约税费支出{m}余万元。",
        "参与单位重大投融资项目的可行性研究和财务评价，为领导决策提供了有力的数据支撑。",
        "定期开展财务分析，撰写财务分析报告{n}余篇，提出的多项管理建议被单位采纳。",
        "配合完成年度审计、巡视巡察及各类专项检查工作，对发现的问题及时制定整改措施并抓好落实。",
        "加强资金管理，建立资金日报和月度资金计划制度，提高了资金使用效率，防范了资金风险。",
        "推进管理会计工具在单位的应用，开展成本核算和业绩评价，为精细化管理提供了依据。",
        "严格执行会计基础工作规范，确保会计凭证、账簿和报表真实、准确、完整，会计档案管理规范有序。",
    ),
}
_PROJECT_NAMES = {
    "工程": ("{c}至{c2}高速公路扩容工程第{k}合同段", "{r}{c}特大桥新建工程", "G{g}国道{c}段改扩建工程",
             "{c}市城市快速路提质改造工程", "{c}{k}10千伏配电网改造工程", "{c}智慧交通综合管理平台建设项目",
             "{c}市综合交通运输大数据中心建设项目", "{c}{r}航道整治工程", "{c}市中心城区排水管网改造工程",
             "{c}至{c2}城际干线公路勘察设计项目"),
    "卫生": ("{spec}规范化诊疗中心建设项目", "{c}市基层{spec}适宜技术推广项目", "胸痛中心和卒中中心建设",
             "{spec}日间手术模式推广", "县域医共体{spec}专科能力提升项目", "{spec}临床路径信息化管理项目"),
    "经济": ("{c}物流园区投融资方案设计", "单位人力资源管理信息系统建设", "{c}产业园区招商引资策划项目",
             "单位全面风险管理体系建设", "{c}国有资产清查与处置项目", "供应链金融业务模式创新项目"),
    "会计": ("单位全面预算管理体系建设", "财务共享服务中心建设项目", "{c}项目竣工财务决算编制",
             "单位内部控制体系建设与评价", "{c}专项债券资金绩效评价", "业财融合管理会计报告体系建设"),
}
_ROLES = ("项目负责人", "专业负责人", "技术负责人", "主要完成人", "主要参与人")
_TASKS = {
    "工程": ("负责项目总体设计和技术协调工作，主持编制了初步设计和施工图设计文件",
             "负责主体结构的计算分析和施工图设计，解决了大跨径结构线形控制的技术难题",
             "负责系统总体架构设计和核心模块开发，组织完成了系统测试和上线运行",
             "负责外业勘察、测量控制网布设和数据处理，编制了勘察报告",
             "负责电气一次、二次系统设计和设备选型，完成了调试和验收配合工作",
             "负责施工阶段的技术服务和设计变更处理，参与了交工验收工作"),
    "卫生": ("负责制定诊疗规范和质量控制指标，组织开展多学科会诊",
             "负责新技术的临床应用和病例随访，整理分析临床数据",
             "负责基层医务人员的业务培训和技术指导，开展现场带教",
             "负责科室医疗质量管理和不良事件分析，推动持续改进"),
    "经济": ("负责方案的调研论证和测算分析，编写了可行性研究报告",
             "负责需求调研、业务流程梳理和系统上线推广",
             "负责风险识别、评估指标体系设计和制度文件起草",
             "负责资料收集、数据核实和报告编写"),
    "会计": ("负责方案设计、制度起草和系统上线推广",
             "负责资金测算、账务处理和报表编制",
             "负责内部控制缺陷认定标准设计和评价报告编写",
             "负责绩效指标体系设计和评价报告撰写"),
}
_RESULTS = {
    "工程": ("项目建成后运行良好，获得湖南省优秀工程勘察设计奖二等奖。", "项目节约投资约{m}万元，缩短工期{k}个月。",
             "该项目通过了竣工验收，质量评定为优良。", "成果获湖南省公路学会科学技术奖三等奖。",
             "项目获得单位科技进步一等奖，相关技术在后续项目中推广应用。"),
    "卫生": ("项目实施后，相关病种平均住院日缩短{k}天，患者满意度明显提升。", "成果获湖南省医学科技奖三等奖。",
             "累计培训基层医务人员{n}余人次，显著提升了基层诊疗水平。", "相关并发症发生率下降，取得了良好的社会效益。"),
    "经济": ("方案得到了主管部门的批复并顺利实施，取得了良好的经济效益。", "项目为单位新增效益约{m}万元。",
             "成果获单位管理创新成果一等奖。", "相关做法被行业主管部门作为典型经验推广。"),
    "会计": ("项目实施后，单位费用支出同比下降约百分之{k}。", "成果获湖南省管理会计案例评选优秀奖。",
             "为单位节约资金成本约{m}万元。", "相关制度被上级单位转发推广。"),
}
_JOURNALS = {
    "工程": ("公路工程", "中外公路", "交通科学与工程", "湖南交通科技", "计算机应用", "电气技术", "建筑结构"),
    "卫生": ("中国现代医学杂志", "中南大学学报（医学版）", "实用预防医学", "湖南师范大学学报（医学版）"),
    "经济": ("经济师", "财经理论与实践", "商业经济", "中国人力资源开发"),
    "会计": ("财会月刊", "商业会计", "财务与会计", "会计之友"),
}
_TOPICS = {
    "工程": ("BIM技术", "预应力混凝土连续梁桥施工控制", "沥青路面病害处治", "高边坡稳定性分析",
             "智慧工地管理系统", "配电网自动化", "无人机倾斜摄影测量", "软土路基处理"),
    "卫生": ("早期康复干预", "多学科协作诊疗模式", "微创手术", "慢性病综合管理", "抗菌药物合理使用"),
    "经济": ("数字化转型", "全面风险管理", "绩效考核体系", "供应链金融", "国有企业改革"),
    "会计": ("业财融合", "全面预算管理", "财务共享服务", "管理会计工具", "内部控制评价"),
}


_COOPERATION = {
    "工程": "加强与建设、施工、监理等各方的沟通协调",
    "卫生": "加强与护理、医技、药学等科室的协作配合",
    "经济": "加强与业务部门和外部机构的沟通协调",
    "会计": "加强与业务部门、审计机构和税务部门的沟通协调",
}
_PROJECT_NOTES = (
    "项目实施过程中，本人注重前期调研和方案论证，坚持多方案比选，确保了技术方案的科学性和可操作性。",
    "工作中严格执行相关标准规范和单位质量管理制度，认真做好过程控制和成果审核，未发生质量问题。",
    "针对实施中遇到的难点问题，本人主动查阅资料、请教专家，组织专题讨论，提出了切实可行的解决办法。",
    "项目完成后，本人及时总结经验，形成了技术总结报告，为同类项目的实施提供了借鉴。",
    "在项目推进中，本人加强与相关单位和部门的沟通协调，及时化解矛盾，保证了项目按计划推进。",
    "通过该项目的实践，本人的专业技术水平和组织协调能力得到了进一步提升。",
)


def _fill(template: str, rng: random.Random, a: SampleApplicant) -> str:
    c, c2 = rng.sample(_CITIES, 2)
    return template.format(spec=a.specialty, c=c, c2=c2, r=rng.choice(_RIVERS), k=rng.randint(2, 9),
                           g=rng.choice((106, 107, 207, 240, 319, 320, 536)), n=rng.randint(12, 60),
                           m=rng.randint(80, 900) * 10)


# 工程 specialties: (project names, tasks, paper topics, journals)
_ENGINEERING = {
    "道路与桥梁": (
        ("{c}至{c2}高速公路扩容工程第{k}合同段", "{r}{c}特大桥新建工程", "G{g}国道{c}段改扩建工程",
         "{c}至{c2}城际干线公路勘察设计项目", "{c}市城市快速路提质改造工程"),
        ("负责路线总体设计和路基路面设计，主持编制了初步设计和施工图设计文件",
         "负责主桥上部结构和下部结构的计算分析和施工图设计，解决了大跨径连续刚构桥线形控制的技术难题",
         "负责施工阶段的技术服务和设计变更处理，参与了交工验收工作",
         "负责旧桥检测评定和加固方案设计，组织完成了荷载试验"),
        ("预应力混凝土连续梁桥施工控制", "沥青路面病害处治", "高边坡稳定性分析", "软土路基处理"),
        ("公路工程", "中外公路", "交通科学与工程", "湖南交通科技")),
    "计算机应用技术": (
        ("{c}智慧交通综合管理平台建设项目", "{c}市综合交通运输大数据中心建设项目",
         "高速公路收费稽核信息系统升级项目", "单位协同办公与档案管理系统建设项目"),
        ("负责系统总体架构设计和核心模块开发，组织完成了系统测试和上线运行",
         "负责数据中台建设、数据治理和接口开发工作", "负责网络安全等级保护测评整改和系统运维保障"),
        ("微服务架构", "交通大数据平台", "网络安全等级保护", "深度学习图像识别"),
        ("计算机应用", "计算机工程与应用", "电脑知识与技术", "湖南交通科技")),
    "电气工程": (
        ("{c}{k}10千伏配电网改造工程", "{c}至{c2}高速公路机电工程", "{c}互通枢纽供配电及照明工程"),
        ("负责电气一次、二次系统设计和设备选型，完成了调试和验收配合工作",
         "负责供配电系统方案设计和负荷计算", "负责隧道照明与通风控制系统设计"),
        ("配电网自动化", "继电保护整定计算", "隧道照明节能控制", "分布式光伏并网"),
        ("电气技术", "电工技术", "湖南电力")),
    "建筑工程": (
        ("{c}市政务服务中心综合楼工程", "{c}高速公路服务区房建工程", "{c}市保障性住房建设项目"),
        ("负责结构方案设计和施工图设计，完成了结构计算分析", "负责施工图审查意见回复和现场技术服务",
         "负责基坑支护和地基处理方案设计"),
        ("装配式建筑", "BIM技术", "深基坑支护", "钢结构节点设计"),
        ("建筑结构", "施工技术", "建筑技术")),
    "交通运输工程": (
        ("{c}市综合交通运输发展规划编制项目", "{c}市公交线网优化项目", "{c}综合客运枢纽交通影响评价"),
        ("负责交通调查、交通量预测和方案比选", "负责规划文本和图册的编制",
         "负责交通组织设计和交通安全设施设计"),
        ("交通流预测", "公交线网优化", "道路交通安全评价", "综合客运枢纽规划"),
        ("交通运输系统工程与信息", "湖南交通科技", "交通科学与工程")),
    "工程测量": (
        ("{c}至{c2}高速公路勘察测量项目", "{r}{c}段航道地形测量项目", "{c}市1:500数字地形图测绘项目"),
        ("负责外业勘察、测量控制网布设和数据处理，编制了测量技术报告",
         "负责无人机倾斜摄影测量和三维建模工作", "负责施工控制测量和变形监测工作"),
        ("无人机倾斜摄影测量", "GNSS控制测量", "三维激光扫描", "变形监测"),
        ("测绘通报", "测绘与空间地理信息", "湖南交通科技")),
}


def _bank(a: SampleApplicant) -> tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]:
    """(project names, tasks, paper topics, journals) for the applicant's specialty."""
    if a.series == "工程" and a.specialty in _ENGINEERING:
        return _ENGINEERING[a.specialty]
    return _PROJECT_NAMES[a.series], _TASKS[a.series], _TOPICS[a.series], _JOURNALS[a.series]


def _projects(rng: random.Random, a: SampleApplicant, count: int) -> list[dict[str, str]]:
    bank_names, tasks, _, _ = _bank(a)
    names = rng.sample(bank_names, min(count, len(bank_names)))
    while len(names) < count:
        names.append(rng.choice(bank_names))
    out = []
    for name in names:
        hi = a.year - 3
        lo = min(max(a.work_start_date.year + 1, a.year - 9), hi)
        start = rng.randint(lo, hi)
        out.append({
            "name": _fill(name, rng, a),
            "years": f"{start}年—{start + rng.randint(1, 2)}年",
            "role": rng.choice(_ROLES),
            "task": _fill(rng.choice(tasks), rng, a),
            "result": _fill(rng.choice(_RESULTS[a.series]), rng, a),
        })
    return out


def _papers(rng: random.Random, a: SampleApplicant, count: int) -> list[str]:
    _, _, topics, journals = _bank(a)
    out = []
    for _ in range(count):
        topic = rng.choice(topics)
        title = rng.choice((f"{topic}的应用研究", f"浅析{topic}的实践与思考", f"{topic}若干问题探讨",
                            f"{topic}在{rng.choice(_CITIES)}地区的应用与效果分析"))
        year = rng.randint(min(max(a.work_start_date.year + 1, a.year - 8), a.year - 1), a.year - 1)
        out.append(f"《{title}》，{rng.choice(journals)}，{year}年第{rng.randint(1, 12)}期，"
                   f"{rng.choice(('独著', '第一作者', '第二作者'))}")
    return out


def _report_text(p: _Person, rng: random.Random, target: int) -> list[tuple[str, str]]:
    """The 述职报告 as (kind, text) blocks with about `target` non-space characters."""
    a = p.applicant
    blocks: list[tuple[str, str]] = []
    size = 0

    def add(kind: str, text: str) -> None:
        nonlocal size
        blocks.append((kind, text))
        size += len(text)

    title = a.current_title or "初级专业技术"
    add("p", f"本人{a.name}，{p.true_gender}，{_ym(p.birth)}出生，{a.education}学历"
             f"{'' if a.degree == '无' else '，' + a.degree + '学位'}，{a.graduation_date.year}年毕业于{a.school}"
             f"{a.major}专业，{a.work_start_date.year}年参加工作，现在{a.unit_name}从事{a.specialty}专业技术工作"
             + (f"，{a.current_title_date.year}年取得{title}资格" if a.current_title_date else "")
             + f"。根据{a.year}年度全省职称评审工作的有关要求，现将任现职以来的思想政治表现、专业技术工作、"
             "业绩成果及继续教育等情况述职如下，请各位领导和评委审议。")
    if target < 2000:  # deliberately short (flaw report.too_short)
        add("h", "一、主要工作情况")
        for s in rng.sample(_WORK[a.series], 4):
            add("p", _fill(s, rng, a))
        add("p", "以上述职，请予审议。")
        return blocks
    add("h", "一、思想政治表现和职业道德")
    add("p", "".join(rng.sample(_POLITICS, 4)) + f"历年年度考核均为合格以上等次，其中{rng.randint(1, 4)}次被评为优秀。")
    add("h", "二、专业技术工作情况")
    work = rng.sample(_WORK[a.series], len(_WORK[a.series]))
    for i in range(0, 8, 3):
        add("p", "".join(_fill(s, rng, a) for s in work[i:i + 3]))
    add("h", "三、主要业绩成果")
    projects = _projects(rng, a, 3)
    for k, pr in enumerate(projects, 1):
        add("p", f"（{_cn_number(k)}）{pr['name']}。{pr['years']}，本人作为{pr['role']}，{pr['task']}。"
                 f"工作中坚持问题导向，{_COOPERATION[a.series]}，按期保质完成了各项工作任务。"
                 f"{pr['result']}")
    add("h", "四、学术研究与技术创新")
    papers = _papers(rng, a, 2)
    add("p", "任现职以来，本人注重将实践经验上升为理论成果，结合工作实际开展研究，先后发表专业论文"
             f"{len(papers)}篇：" + "；".join(papers) + "。同时积极参与单位课题研究和技术攻关，"
             "参与的多项成果在实际工作中得到应用，取得了较好的经济效益和社会效益。")
    add("h", "五、继续教育与培养人才")
    add("p", f"本人坚持终身学习理念，按规定参加专业技术人员继续教育，{a.year - 1}年度累计完成继续教育"
             f"{a.ce_hours}学时，其中公需科目{a.ce_public_hours}学时，专业科目{a.ce_professional_hours}学时，"
             "学时认定手续齐全。积极参加行业组织的专业培训和学术交流活动，及时掌握本专业的新理论、新技术和新方法。"
             f"在做好本职工作的同时，注重传帮带，先后指导青年技术人员{rng.randint(3, 9)}名，"
             "帮助他们尽快熟悉业务、提升能力，其中多人已成长为单位的业务骨干。")
    add("h", "六、存在的不足和今后努力方向")
    add("p", "回顾任现职以来的工作，虽然取得了一定成绩，但也存在一些不足：一是理论研究的深度还不够，"
             "将实践经验系统总结提炼为高水平成果的能力有待提高；二是对新技术、新标准的学习还需进一步加强；"
             "三是在团队管理和统筹协调方面还有提升空间。今后，本人将进一步加强政治理论和专业知识学习，"
             f"不断提高{a.specialty}专业技术水平和解决复杂问题的能力，以更加饱满的热情和更加务实的作风，"
             "为单位和行业的高质量发展作出新的更大贡献。")
    extra = rng.sample(_PROJECT_NOTES, len(_PROJECT_NOTES))
    k = len(projects)
    while size < target:  # more projects until long enough
        k += 1
        pr = _projects(rng, a, 1)[0]
        blocks.insert(-6, ("p", f"（{_cn_number(k)}）{pr['name']}。{pr['years']}，本人作为{pr['role']}，"
                                f"{pr['task']}。{pr['result']}"
                                + (extra.pop() if extra else "")))
        size += len(blocks[-7][1])
    add("p", "以上述职，请各位领导和评委审议。")
    add("r", f"述职人：{a.name}　　{_date_text(p.sign_date)}")
    return blocks


def _report(p: _Person, light: bool, rng: random.Random, short: bool = False) -> bytes:
    a = p.applicant
    if short:
        target = rng.randint(900, 1300)
    else:
        target = rng.randint(3300, 3600) if light else rng.randint(3400, 4300)
    doc = _Doc("述职报告", a.name, light)
    size = 6.5 if light else 12
    doc.title("专业技术工作述职报告", 14 if light else 18)
    doc.line(f"姓名：{a.name}　　单位：{a.unit_name}　　申报资格：{a.title_name}", 8 if light else 11,
             x=doc.m)
    for kind, text in _report_text(p, rng, target):
        if kind == "h":
            doc.heading(text, size + 1)
        elif kind == "r":
            doc.line(text, size, x=doc.W - doc.m - size * 16)
        else:
            doc.para(text, size, leading=1.35 if light else 1.7)
    return doc.finish()


def _achievements(p: _Person, light: bool, rng: random.Random, part: int) -> bytes:
    a = p.applicant
    doc = _Doc("业绩材料", a.name, light)
    if part == 1:
        doc.title("专业技术工作业绩材料", 16 if light else 18)
        doc.line(f"姓名：{a.name}　　单位：{a.unit_name}　　申报资格：{a.title_name}", 9 if light else 11)
        for k, pr in enumerate(_projects(rng, a, 2 if light else 4), 1):
            if k > 1 and not light:
                doc.new_page()
            doc.heading(f"业绩{_cn_number(k)}：{pr['name']}", 11 if light else 13)
            doc.table([[("项目名称", 1), (pr["name"], 3)],
                       [("起止时间", 1), (pr["years"], 1), ("本人角色", 1), (pr["role"], 1)]], 4,
                      size=9 if light else 10.5, row_h=18 if light else 24)
            doc.para(f"主要工作内容：{pr['task']}。" + "".join(
                _fill(s, rng, a) for s in rng.sample(_WORK[a.series], 1 if light else 3)), 9 if light else 11)
            doc.para(f"取得成效：{pr['result']}", 9 if light else 11)
            if not light:
                doc.line(f"证明人：{_pick_name(rng, rng.choice('男女'))}（{a.unit_name}）", 10.5, x=doc.W / 2)
    else:
        doc.title("论文及获奖情况", 16 if light else 18)
        doc.line(f"姓名：{a.name}　　单位：{a.unit_name}", 9 if light else 11)
        doc.heading("一、发表论文", 11 if light else 13)
        for k, paper in enumerate(_papers(rng, a, 2 if light else 5), 1):
            doc.para(f"{k}. {paper}", 9 if light else 11, indent=False)
        doc.heading("二、获奖情况", 11 if light else 13)
        for k, pr in enumerate(_projects(rng, a, 2 if light else 4), 1):
            doc.para(f"{k}. {pr['name']}：{pr['result']}", 9 if light else 11, indent=False)
    return doc.finish()


def _docx(p: _Person) -> bytes:
    """A Word document (zip with word/document.xml): what a unit sends when it forgets to export."""
    a = p.applicant
    paragraphs = ["专业技术工作业绩材料", f"姓名：{a.name}", f"单位：{a.unit_name}",
                  "（此处为Word文档，未转换为PDF）"]
    body = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in paragraphs)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, (a.year, 3, 1, 9, 0, 0)), text.encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Writing one applicant's folder

def _write_materials(folder: Path, p: _Person, flaw: str | None, light: bool, seed: int,
                     exif_photo: bool, second_achievement: bool) -> list[str]:
    a = p.applicant
    rng = random.Random(f"{seed}:render:{a.id_number}")
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}

    shown_name = a.name
    shown_id = a.id_number
    if flaw == "ocr.name_mismatch":
        other = _pick_name(rng, p.true_gender)
        while other == a.name:
            other = _pick_name(rng, p.true_gender)
        shown_name = other
    if flaw == "ocr.id_mismatch":
        first17 = rng.choice(_ID_REGIONS) + a.id_number[6:14] + f"{rng.randrange(1000):03d}"
        shown_id = _id_number(first17)
        if shown_id == a.id_number:
            shown_id = _id_number(first17[:14] + f"{(int(first17[14:]) + 2) % 1000:03d}")

    files["专业技术职称评审表.pdf"] = _application_form(p, light, rng)
    diploma = _diploma(p, light)
    files["学历证书.jpg"] = _phone_photo(diploma, rng, a.year, light) if exif_photo else _jpeg(diploma, light)
    if a.degree in ("学士", "硕士", "博士"):
        files["学位证书.png"] = _png(_degree(p, light), light)
    files["继续教育学时认定单.jpg"] = _jpeg(_ce_form(p, light, rng, shown_name, shown_id), light)
    if a.level != "初级":
        title_id = shown_id if flaw == "ocr.id_mismatch" else a.id_number
        files["现职称证书.jpg"] = _jpeg(_title_certificate(p, light, title_id), light)
    files["业绩材料.pdf"] = _achievements(p, light, rng, 1)
    if second_achievement or flaw in ("material.bad_type", "material.wrong_form"):
        files["业绩材料-2.pdf"] = _achievements(p, light, rng, 2)
    report = _report(p, light, rng, short=flaw == "report.too_short")
    files["述职报告.pdf"] = report

    if flaw == "material.missing":
        del files["述职报告.pdf"]
    elif flaw == "material.bad_type":
        files["业绩材料.pdf"] = _docx(p)
    elif flaw == "material.unreadable":
        files["述职报告.pdf"] = report[: len(report) // 2]
    elif flaw == "material.unknown_name":
        files["扫描件001.jpg"] = _jpeg(_honor(p, light), light)
    elif flaw == "material.duplicate":
        files["毕业证-2.jpg"] = files["学历证书.jpg"]
    elif flaw == "material.wrong_form":
        del files["业绩材料.pdf"]
        files["业绩材料.jpg"] = _jpeg(_scanned_page(p, light, rng), light)

    for name, data in files.items():
        (folder / name).write_bytes(data)
    return sorted(files)


def _folder_name(a: SampleApplicant, index: int) -> str:
    id_number = a.id_number
    if id_number.endswith("X") and index % 2 == 1:
        id_number = id_number[:-1] + "x"  # the contract treats x as X
    if index % 6 == 4:
        return f"{a.name}_{id_number}"
    if index % 10 == 7:
        return id_number
    return f"{id_number}_{a.name}"


# ---------------------------------------------------------------------------------------------
# The roster

_DATE_STYLES = ("iso", "iso", "iso", "iso", "slash", "slash", "slash", "dot", "dot", "cn_full",
                "cn_month", "cn_month", "cn_month")


def _date_cell_text(d: date, style: str) -> str:
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "cn_full":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "cn_month":
        return f"{d.year}年{d.month}月"
    return d.isoformat()


def _date_style(seed: int, a: SampleApplicant, name: str) -> str:
    d = getattr(a, name)
    styles = _DATE_STYLES if d is not None and d.day == 1 else tuple(s for s in _DATE_STYLES if s != "cn_month")
    return random.Random(f"{seed}:date:{a.id_number}:{name}").choice(styles)


def _write_csv(path: Path, applicants: Sequence[SampleApplicant], seed: int, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_EXTRA_HEADER] + [h for _, h in ROSTER_HEADERS])
        for n, a in enumerate(applicants, 1):
            row: list[object] = [n]
            for f, _ in ROSTER_HEADERS:
                value = getattr(a, f)
                if f in _DATE_FIELDS:
                    value = "" if value is None else _date_cell_text(value, _date_style(seed, a, f))
                row.append("" if value is None else value)
            writer.writerow(row)


_EXCEL_EPOCH = date(1899, 12, 30)


def _xlsx_bytes(title: str, header: list[str], rows: list[list[object]], *,
                text_columns: set[int] = frozenset(), serial_cells: set[tuple[int, int]] = frozenset(),
                stamp: tuple[int, int, int] = (2026, 3, 1)) -> bytes:
    """A one-sheet workbook with real date cells, normalised so that the bytes are reproducible."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, date) and (r - 2, c - 1) in serial_cells:
                cell.value = (value - _EXCEL_EPOCH).days  # an Excel serial number, General format
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = value
                if c - 1 in text_columns:
                    cell.number_format = "@"
    for c, h in enumerate(header, start=1):
        width = max([len(str(h)) * 2 + 2] + [len(str(row[c - 1])) + 4 for row in rows[:50]])
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = min(width, 40)
    wb.properties.creator = "单位经办人"
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps "now" into docProps/core.xml and every zip entry: pin both.
    fixed = f"{stamp[0]:04d}-{stamp[1]:02d}-{stamp[2]:02d}T09:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + fixed + m.group(3), text)
                data = text.encode("utf-8")
            dst.writestr(zipfile.ZipInfo(info.filename, stamp + (9, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _write_xlsx(path: Path, applicants: Sequence[SampleApplicant]) -> None:
    header = [_EXTRA_HEADER] + [h for _, h in ROSTER_HEADERS]
    fields = [f for f, _ in ROSTER_HEADERS]
    rows = [[n] + [getattr(a, f) if getattr(a, f) is not None else None for f in fields]
            for n, a in enumerate(applicants, 1)]
    # one or two dates as bare Excel serial numbers, as a copy-paste from another sheet leaves them
    serial: set[tuple[int, int]] = set()
    if len(rows) > 1:
        serial.add((1, 1 + fields.index("work_start_date")))
    if len(rows) > 4:
        serial.add((4, 1 + fields.index("graduation_date")))
    text_cols = {1 + fields.index(f) for f in ("id_number", "phone", "unit_code")}
    year = applicants[0].year if applicants else 2026
    path.write_bytes(_xlsx_bytes("申报人员名单", header, rows, text_columns=text_cols,
                                 serial_cells=serial, stamp=(year, 3, 1)))


# ---------------------------------------------------------------------------------------------
# The batch

def _plan(n: int, flaws: bool | Sequence[str], pending: bool) -> tuple[dict[int, str], bool, bool]:
    """(flaw per applicant index, one row without folder?, one folder without row?)."""
    if flaws is True:
        kinds = [k for k in DEFAULT_FLAWS if pending or k != "unit.not_approved"]
        return {i: kinds[(i // 3) % len(kinds)] for i in range(n) if i % 3 == 2}, n >= 3, True
    if not flaws:
        return {}, False, False
    requested = [flaws] if isinstance(flaws, str) else list(flaws)
    unknown = [f for f in requested if f not in ALL_FLAWS and f not in BATCH_FLAWS]
    if unknown:
        raise ValueError(f"unknown flaws {unknown}; known: {ALL_FLAWS + BATCH_FLAWS}")
    if "unit.not_approved" in requested and not pending:
        raise ValueError("flaw unit.not_approved needs a unit that is not approved")
    kinds = [f for f in requested if f in ALL_FLAWS]
    row_without_folder = "batch.row_without_folder" in requested
    needed = len(kinds) + (2 if row_without_folder else 0)
    if needed > n:
        raise ValueError(f"{n} applicants cannot carry {needed} flawed rows; make more applicants")
    m = len(kinds)
    return ({(2 * k + 1) * n // (2 * m): kind for k, kind in enumerate(kinds)} if m else {},
            row_without_folder, "batch.folder_without_row" in requested)


def _prepare_dir(target: Path) -> None:
    if target.exists():
        if target.is_dir() and (not any(target.iterdir()) or any(
                (target / r).exists() for r in ("roster.xlsx", "roster.csv"))):
            shutil.rmtree(target)  # an earlier sample batch
        else:
            raise FileExistsError(f"{target} exists and is not a sample batch; choose another --out")


def _zip_tree(root: Path, target: Path, year: int) -> None:
    stamp = (year, 3, 1, 9, 0, 0)
    tmp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_dir():
                zf.writestr(zipfile.ZipInfo(rel + "/", stamp), b"")
            else:
                zf.writestr(zipfile.ZipInfo(rel, stamp), path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, target)


def make_batch(
    out_dir: Path,
    *,
    applicants: int = 12,
    seed: int = 2026,
    year: int = 2026,
    units: list[SampleUnit] | None = None,
    roster_format: Literal["xlsx", "csv", "csv-gbk"] = "xlsx",
    flaws: bool | Sequence[str] = True,
    light: bool = False,
    zip: bool = False,  # noqa: A002 - the name the callers use
    name: str | None = None,
) -> SampleBatch:
    """Write a sample batch (CONTRACTS §1) under `out_dir` and say what it holds.

    `flaws=True` puts one deliberate flaw on every third applicant (cycling through
    DEFAULT_FLAWS) plus a roster row without a folder and a folder without a row; a list of codes
    from ALL_FLAWS and BATCH_FLAWS asks for exactly those, each once. The batch folder is
    `<out_dir>/<name>` (default `职称申报-<year>-<seed>`); with `zip=True` only
    `<out_dir>/<name>.zip` is left, holding the same tree at its root with UTF-8 names.
    """
    if roster_format not in ("xlsx", "csv", "csv-gbk"):
        raise ValueError(f"roster_format is xlsx, csv or csv-gbk, not {roster_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units = list(units) if units is not None else sample_units()
    working, pending = _choose_units(units)
    if not working:
        raise ValueError("no approved unit with a configured superior to put applicants in")
    plan, row_without_folder, folder_without_row = _plan(applicants, flaws, bool(pending))
    name = name or f"职称申报-{year}-{seed}"

    if zip:
        build_root = Path(tempfile.mkdtemp(prefix=".sample-", dir=out_dir))
        root = build_root / name
    else:
        build_root = None
        root = out_dir / name
        _prepare_dir(root)
    root.mkdir(parents=True)

    weights = {_DESIGN_CODE: 40, _RESEARCH_CODE: 25, _PRIVATE_CODE: 20, _HOSPITAL_CODE: 15}
    unit_weights = [weights.get(u.code, 20) for u in working]
    registered = {u.code for u in units}
    used_ids: set[str] = set()
    people: list[_Person] = []
    for i in range(applicants):
        rng = random.Random(f"{seed}:applicant:{i}")
        flaw = plan.get(i)
        if flaw == "unit.not_approved":
            u = pending[0]
            unit = (u.code, u.name, u.kind)
        elif flaw == "unit.unregistered" and _UNREGISTERED[1] not in registered:
            unit = (_UNREGISTERED[1], _UNREGISTERED[0], "非公企业")
        else:
            u = rng.choices(working, weights=unit_weights)[0]
            unit = (u.code, u.name, u.kind)
        people.append(_make_person(rng, i, year, unit, used_ids, flaw))

    missing_folder: int | None = None
    if row_without_folder:
        candidates = [i for i in range(1, applicants) if i not in plan]
        missing_folder = candidates[-1]
        people[missing_folder].applicant.flaws = ["material.missing"]
    exif_index = next((i for i in range(applicants) if i not in plan and i != missing_folder), None)

    for i, p in enumerate(people):
        a = p.applicant
        if i == missing_folder:
            continue
        a.folder = _folder_name(a, i)
        a.files = _write_materials(root / a.folder, p, plan.get(i), light, seed,
                                   exif_photo=i == exif_index, second_achievement=i % 3 == 0)

    extra_folders: list[str] = []
    if folder_without_row:
        rng = random.Random(f"{seed}:unlisted")
        u = rng.choices(working, weights=unit_weights)[0]
        extra = _make_person(rng, applicants, year, (u.code, u.name, u.kind), used_ids, None)
        folder = f"{extra.applicant.id_number}_{extra.applicant.name}"
        _write_materials(root / folder, extra, None, light, seed, exif_photo=False,
                         second_achievement=False)
        extra_folders.append(folder)

    rows = [p.applicant for p in people]
    if roster_format == "xlsx":
        roster_name = "roster.xlsx"
        _write_xlsx(root / roster_name, rows)
    else:
        roster_name = "roster.csv"
        _write_csv(root / roster_name, rows, seed, "utf-8-sig" if roster_format == "csv" else "gbk")

    path = root
    if zip:
        path = out_dir / f"{name}.zip"
        _zip_tree(root, path, year)
        shutil.rmtree(build_root)

    return SampleBatch(
        path=path,
        applicants=rows,
        expected={a.id_number: list(a.flaws) for a in rows},
        extra_folders=extra_folders,
        rows_without_folder=[rows[missing_folder].id_number] if missing_folder is not None else [],
        units=units,
        roster_name=roster_name,
    )
