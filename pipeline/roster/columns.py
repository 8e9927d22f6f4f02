"""The roster's columns (CONTRACTS §1): canonical field name, Chinese header, English alias."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "date", "int", "number", "enum"]


@dataclass(frozen=True)
class Column:
    field: str          # canonical name used in code and JSON
    header: str         # the standard Chinese header
    required: bool      # required for every row ("for 中级 and up" columns are checked by level)
    type: ColumnType = "text"


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True),
    Column("id_number", "身份证号", True),
    Column("gender", "性别", False, "enum"),
    Column("phone", "手机号码", True),
    Column("unit_code", "单位统一社会信用代码", True),
    Column("unit_name", "单位名称", False),
    Column("year", "申报年度", True, "int"),
    Column("series", "申报系列", True),
    Column("specialty", "申报专业", True),
    Column("level", "申报级别", True, "enum"),
    Column("title_name", "申报资格名称", True),
    Column("current_title", "现职称", False),
    Column("current_title_date", "现职称取得时间", False, "date"),
    Column("education", "最高学历", True, "enum"),
    Column("degree", "最高学位", False, "enum"),
    Column("school", "毕业院校", False),
    Column("graduation_date", "毕业时间", True, "date"),
    Column("work_start_date", "参加工作时间", True, "date"),
    Column("ce_hours", "继续教育学时", True, "number"),
    Column("ce_public_hours", "公需科目学时", False, "number"),
    Column("ce_professional_hours", "专业科目学时", False, "number"),
    Column("path", "申报途径", False, "enum"),
    Column("offline_review", "线下形式审查", False, "enum"),
)

BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}

# Fields required for 中级 and up (CONTRACTS §1: "for 中级 and up").
REQUIRED_FROM_INTERMEDIATE: tuple[str, ...] = ("current_title", "current_title_date")


def _key(text: str) -> str:
    return "".join(text.split()).lower()


_HEADER_INDEX: dict[str, str] = {}
for _c in COLUMNS:
    _HEADER_INDEX[_key(_c.header)] = _c.field
    _HEADER_INDEX[_key(_c.field)] = _c.field


def field_for_header(header: object) -> str | None:
    """The canonical field for a roster header (Chinese or alias, spaces and case ignored), or None."""
    if header is None:
        return None
    text = str(header).replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return _HEADER_INDEX.get(_key(text))
