"""The roster's columns: canonical field name, standard Chinese header, the other headers accepted.

This is the one table of roster headers (documented for units in docs/单位导入指南.md). A header
is matched after normalisation: full-width forms folded (NFKC), spaces removed, case ignored, and
decorations units add stripped — a bracketed note such as “（必填）”“(YYYY-MM-DD)”“【选填】”, a
leading or trailing “*”, a trailing colon. Anything still not matched is reported on the batch with
the nearest standard header (`nearest_header`); a column is never dropped without a word.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "date", "int", "number", "enum"]


@dataclass(frozen=True)
class Column:
    field: str          # canonical name used in code and JSON
    header: str         # the standard Chinese header
    required: bool      # required for every row ("for 中级 and up" columns are checked by level)
    type: ColumnType = "text"
    synonyms: tuple[str, ...] = ()   # other headers units write for the same column


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, synonyms=("申报人姓名", "申报人")),
    Column("id_number", "身份证号", True,
           synonyms=("身份证号码", "公民身份号码", "身份证件号码", "身份证", "证件号码")),
    Column("gender", "性别", False, "enum"),
    Column("phone", "手机号码", True,
           synonyms=("手机号", "手机", "联系电话", "联系方式", "移动电话", "电话号码")),
    Column("unit_code", "单位统一社会信用代码", True,
           synonyms=("统一社会信用代码", "单位信用代码", "社会信用代码", "单位代码")),
    Column("unit_name", "单位名称", False, synonyms=("工作单位", "所在单位", "单位全称")),
    Column("year", "申报年度", True, "int", synonyms=("年度", "申报年份")),
    Column("series", "申报系列", True, synonyms=("系列", "职称系列")),
    Column("specialty", "申报专业", True, synonyms=("申报职称专业", "评审专业")),
    Column("level", "申报级别", True, "enum", synonyms=("级别", "申报等级", "职称级别", "申报层级")),
    Column("title_name", "申报资格名称", True,
           synonyms=("资格名称", "申报资格", "申报职称", "申报职称名称", "拟申报职称")),
    Column("current_title", "现职称", False,
           synonyms=("现任职称", "现有职称", "现专业技术资格", "现职称名称")),
    Column("current_title_date", "现职称取得时间", False, "date",
           synonyms=("取得时间", "现职称取得日期", "取得现职称时间", "现职称时间", "现职称评定时间",
                     "取得资格时间")),
    Column("education", "最高学历", True, "enum", synonyms=("学历",)),
    Column("degree", "最高学位", False, "enum", synonyms=("学位",)),
    Column("school", "毕业院校", False, synonyms=("毕业学校", "毕业院校名称")),
    Column("graduation_date", "毕业时间", True, "date", synonyms=("毕业日期", "毕业年月")),
    Column("work_start_date", "参加工作时间", True, "date",
           synonyms=("参加工作日期", "参工时间", "参加工作年月")),
    Column("ce_hours", "继续教育学时", True, "number",
           synonyms=("继续教育总学时", "继续教育学时合计", "继续教育学时数")),
    Column("ce_public_hours", "公需科目学时", False, "number",
           synonyms=("公需科目", "公需课学时", "公需学时", "公需科目学时数")),
    Column("ce_professional_hours", "专业科目学时", False, "number",
           synonyms=("专业科目", "专业课学时", "专业学时", "专业科目学时数")),
    Column("path", "申报途径", False, "enum", synonyms=("申报方式", "申报类型")),
    Column("offline_review", "线下形式审查", False, "enum", synonyms=("线下形式审查结果",)),
)

BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}

# Fields required for 中级 and up ("for 中级 and up" in the roster contract).
REQUIRED_FROM_INTERMEDIATE: tuple[str, ...] = ("current_title", "current_title_date")

# Headers that carry nothing for the review and are recognised as such (no problem reported):
# the row number units keep in the first column.
IGNORED_HEADERS: tuple[str, ...] = ("序号", "编号", "行号", "no", "no.")

_DECORATION = re.compile(r"[(\[【<《][^)\]】>》]*[)\]】>》]|^\*+|\*+$|[:：]+$")


def header_key(text: object) -> str:
    """A header as compared: full-width folded, decorations and spaces removed, lower case."""
    folded = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    folded = "".join(folded.split())
    stripped = _DECORATION.sub("", folded)
    return (stripped or folded).lower()


_HEADER_INDEX: dict[str, str] = {}
for _c in COLUMNS:
    for _h in (_c.header, _c.field, *_c.synonyms):
        _HEADER_INDEX[header_key(_h)] = _c.field
_IGNORED = {header_key(h) for h in IGNORED_HEADERS}


def field_for_header(header: object) -> str | None:
    """The canonical field for a roster header (standard, synonym or English alias), or None."""
    if header is None:
        return None
    return _HEADER_INDEX.get(header_key(header))


def is_ignored_header(header: object) -> bool:
    """True for a column recognised as carrying nothing for the review (序号)."""
    return header is not None and header_key(header) in _IGNORED


def nearest_header(header: object) -> str | None:
    """The standard header an unrecognised one most resembles, or None when nothing is close."""
    key = header_key(header)
    if not key:
        return None
    chinese = [k for k in _HEADER_INDEX if not k.isascii()]
    inside = sorted((k for k in chinese if len(k) >= 2 and k in key), key=len, reverse=True)
    match = inside[:1] or difflib.get_close_matches(key, chinese, n=1, cutoff=0.6)
    if not match:  # the header is part of a standard one: 专业 ~ 申报专业
        match = sorted((k for k in chinese if key in k), key=len)[:1]
    return BY_FIELD[_HEADER_INDEX[match[0]]].header if match else None
