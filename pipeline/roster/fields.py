"""One roster row turned into typed application fields, with a Chinese problem for each bad cell.

`parse_fields` never raises: whatever a cell holds, the row comes back with every field of
`COLUMNS` (None when empty or invalid) and the list of problems an operator has to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from pipeline.domain.dates import DateParseError, parse_date
from pipeline.domain.identity import check_id_number, check_phone, check_uscc, halfwidth
from pipeline.domain.text import excel_number_text, looks_like_formula, strip_unsafe, unsafe_chars
from pipeline.domain.vocabulary import OfflineResult
from pipeline.roster.columns import BY_FIELD, COLUMNS, REQUIRED_FROM_INTERMEDIATE

LEVELS = ("初级", "中级", "副高级", "正高级")
EDUCATIONS = ("中专", "大学专科", "大学本科", "硕士研究生", "博士研究生")
DEGREES = ("无", "学士", "硕士", "博士")
PATHS = ("正常", "破格", "绿色通道")
OFFLINE_REVIEWS = tuple(OfflineResult)
GENDERS = ("男", "女")

# Each enum field: its canonical values, then the other spellings accepted for them.
_ENUMS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "level": (LEVELS, {"副高": "副高级", "正高": "正高级"}),
    "education": (EDUCATIONS, {
        "大专": "大学专科", "专科": "大学专科", "本科": "大学本科",
        "硕士": "硕士研究生", "研究生": "硕士研究生", "博士": "博士研究生",
    }),
    "degree": (DEGREES, {"无学位": "无", "学士学位": "学士", "硕士学位": "硕士", "博士学位": "博士"}),
    "path": (PATHS, {}),
    "offline_review": (OFFLINE_REVIEWS, {"已通过": "通过", "不通过": "未通过"}),
    "gender": (GENDERS, {"男性": "男", "女性": "女"}),
}

_DEFAULT_RULES = {"id_number": "id_number.invalid", "phone": "phone.invalid"}
_RETRY = "请核对后重新填写"
_YEAR = re.compile(r"([0-9]{4})(?:\.0+)?(?:年度|年)?")
_HOURS = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)(?:学时|小时|课时|h)?", re.IGNORECASE)


@dataclass(frozen=True)
class FieldProblem:
    """One bad roster cell: the field, its Chinese header, what the cell held, and what to do."""

    field: str
    header: str
    raw: str
    message: str
    # The finding's rule code; left empty it follows from the field (id_number.invalid,
    # phone.invalid, else roster.invalid).
    rule: str = ""

    def __post_init__(self) -> None:
        if not self.rule:
            object.__setattr__(self, "rule", _DEFAULT_RULES.get(self.field, "roster.invalid"))


@dataclass
class ParsedFields:
    """The typed values of one roster row (every field of COLUMNS) and its problems."""

    values: dict[str, object]
    problems: list[FieldProblem] = field(default_factory=list)


Parsed = tuple[object, str | None]


def _cell_text(cell: object) -> str:
    """What a cell shows, stripped: 13812345678.0 from a number cell shows as 13812345678."""
    if cell is None:
        return ""
    if isinstance(cell, float) and not isinstance(cell, bool):
        if math.isnan(cell):
            return ""
        if cell.is_integer():
            return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else str(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    try:
        return str(cell).strip()
    except Exception:  # a huge int refuses str(); show something rather than fail the row
        return "（无法显示的值）"


def _text(header: str, cell: object, text: str, today: date) -> Parsed:
    return text, None


def _name(header: str, cell: object, text: str, today: date) -> Parsed:
    # Full-width spaces pad two-character names in Chinese spreadsheets; they are not part of it.
    if looks_like_formula(text):
        return None, (f"{header}“{text}”以“{text.lstrip()[0]}”开头，像是Excel公式而不是姓名；"
                      f"请填写申报人的真实姓名")
    return " ".join(text.replace("\u3000", "").split()) or None, None


def _id_number(header: str, cell: object, text: str, today: date) -> Parsed:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        text = excel_number_text(cell)  # a number cell: what Excel shows, explained as such
    check = check_id_number(text, today)
    return (check.value if check.ok else None), check.message


def _phone(header: str, cell: object, text: str, today: date) -> Parsed:
    ok, value, message = check_phone(text)
    return (value if ok else None), message


def _unit_code(header: str, cell: object, text: str, today: date) -> Parsed:
    ok, value, message = check_uscc(text)
    if message:  # "统一社会信用代码“…”…" becomes "单位统一社会信用代码“…”…"
        message = header + message.removeprefix("统一社会信用代码")
    return (value if ok else None), message


def _year(header: str, cell: object, text: str, today: date) -> Parsed:
    match = _YEAR.fullmatch("".join(halfwidth(text).split()))
    if match and 2000 <= int(match.group(1)) <= 2100:
        return int(match.group(1)), None
    return None, f"{header}“{text}”不是有效的年份，请填写4位年份，如 {today.year}"


def _date(header: str, cell: object, text: str, today: date) -> Parsed:
    try:
        value = parse_date(text if isinstance(cell, str) else cell)
    except DateParseError as error:
        return None, f"{header}：{error.message}"
    if value > today:
        return None, f"{header}“{text}”晚于今天（{today.isoformat()}），{_RETRY}"
    return value, None


def _hours(header: str, cell: object, text: str, today: date) -> Parsed:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        number = float(cell) if abs(cell) < 1e15 else math.inf
    else:
        match = _HOURS.fullmatch("".join(halfwidth(text).split()))
        number = float(match.group(1)) if match else math.nan
    if math.isnan(number) or math.isinf(number):
        return None, f"{header}“{text}”不是有效的学时数，请填写数字，如 90 或 90.5"
    if number < 0:
        return None, f"{header}“{text}”不能为负数，{_RETRY}"
    return number, None


def _enum(header: str, cell: object, text: str, today: date, name: str) -> Parsed:
    canonical, aliases = _ENUMS[name]
    key = "".join(halfwidth(text).split())
    if key in canonical:
        return key, None
    if key in aliases:
        return aliases[key], None
    choices = "、".join(canonical[:-1]) + " 或 " + canonical[-1]
    return None, f"{header}“{text}”不是可选的值，请填写 {choices}"


_BY_FIELD: dict[str, Callable[[str, object, str, date], Parsed]] = {
    "name": _name, "id_number": _id_number, "phone": _phone, "unit_code": _unit_code,
}
_BY_TYPE: dict[str, Callable[[str, object, str, date], Parsed]] = {
    "text": _text, "int": _year, "date": _date, "number": _hours,
}


def _parse_cell(column_field: str, cell: object, text: str, today: date) -> Parsed:
    column = BY_FIELD[column_field]
    if column.type == "enum":
        return _enum(column.header, cell, text, today, column_field)
    parser = _BY_FIELD.get(column_field) or _BY_TYPE[column.type]
    return parser(column.header, cell, text, today)


def _problem(name: str, raw: str, message: str, rule: str = "") -> FieldProblem:
    return FieldProblem(name, BY_FIELD[name].header, raw, message, rule)


def _cross_checks(values: dict[str, object], texts: dict[str, str],
                  today: date) -> list[FieldProblem]:
    """Problems that involve several fields of the row."""
    problems: list[FieldProblem] = []
    level = values["level"]
    if level in LEVELS[1:]:
        for name in REQUIRED_FROM_INTERMEDIATE:
            if not texts[name]:
                header = BY_FIELD[name].header
                message = f"缺少必填项“{header}”：申报级别为“{level}”（中级及以上）时必须填写，请补填"
                problems.append(_problem(name, "", message))

    declared, id_number = values["gender"], values["id_number"]
    if isinstance(declared, str) and isinstance(id_number, str):
        actual = check_id_number(id_number, today).gender
        if actual and declared != actual:
            message = (f"性别“{texts['gender']}”与身份证号“{id_number}”不符（身份证号显示为{actual}），"
                       "请核对性别和身份证号")
            problems.append(_problem("gender", texts["gender"], message, "gender.mismatch"))

    total, public, professional = (values[n] for n in
                                   ("ce_hours", "ce_public_hours", "ce_professional_hours"))
    if isinstance(total, float) and isinstance(public, float) and isinstance(professional, float):
        if public + professional > total + 1e-9:
            message = (f"公需科目学时（{texts['ce_public_hours']}）与专业科目学时"
                       f"（{texts['ce_professional_hours']}）之和超过继续教育学时"
                       f"（{texts['ce_hours']}），请核对这三项学时")
            problems.append(_problem("ce_hours", texts["ce_hours"], message))
    return problems


def parse_fields(raw: Mapping[str, object], today: date) -> ParsedFields:
    """The typed fields of one roster row keyed by canonical field name, and its problems."""
    values: dict[str, object] = {}
    texts: dict[str, str] = {}
    problems: list[FieldProblem] = []
    for column in COLUMNS:
        cell = raw.get(column.field)
        text = _cell_text(cell)
        bad = unsafe_chars(text, newlines_ok=False)
        if bad:
            shown = strip_unsafe(text, newlines_ok=False).strip()
            problems.append(_problem(column.field, shown, (
                f"{column.header}“{shown}”含有不可见的控制字符或文字方向字符（{'、'.join(bad)}），"
                "已删除；请核对该项并在花名册中重新输入"), "text.control_chars"))
            text = shown
            cell = shown if isinstance(cell, str) else cell
        if column.field == "id_number" and isinstance(cell, (int, float)) \
                and not isinstance(cell, bool):
            text = excel_number_text(cell)
        texts[column.field] = text
        if not text:
            values[column.field] = PATHS[0] if column.field == "path" else None
            if column.required:
                # docs/reference.md §3: a missing required field is roster.invalid, whichever field it is.
                missing = f"缺少必填项“{column.header}”，请在花名册中补填"
                problems.append(_problem(column.field, "", missing, "roster.invalid"))
            continue
        try:
            value, message = _parse_cell(column.field, cell, text, today)
        except Exception:  # one odd cell must not stop the batch; the operator sees the cell
            value, message = None, f"{column.header}“{text}”无法识别，{_RETRY}"
        values[column.field] = value
        if message:
            problems.append(_problem(column.field, text, message))
    problems.extend(_cross_checks(values, texts, today))
    return ParsedFields(values, problems)
