"""The roster template for units (花名册模板.xlsx): standard headers, drop-downs, text columns.

Sheet 花名册 holds only the header row (so a filled-in copy imports with no problem): drop-downs
for the enumerated columns, text format for ID, phone, unit code and date columns (Excel then
keeps 18 digits and does not turn dates into serial numbers). Sheet 填写示例 shows one filled-in
row; sheet 材料清单 lists the materials, their forms and the folder naming.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.domain.materials import EXPECTED_FORM as FORMS
from pipeline.domain.materials import ORDER, Form, MaterialKind, required_kinds
from pipeline.roster.columns import COLUMNS
from pipeline.roster.fields import DEGREES, EDUCATIONS, GENDERS, LEVELS, PATHS

ROSTER_SHEET = "花名册"
EXAMPLE_SHEET = "填写示例"
MATERIALS_SHEET = "材料清单"
ROWS = 2000   # rows formatted and validated: the per-batch cap (intake.roster.MAX_ROSTER_ROWS)
SERIES = ("工程", "卫生", "教育", "经济", "会计", "农业", "统计", "审计", "新闻", "出版", "图书资料",
          "档案", "群众文化", "翻译", "艺术", "律师", "公证", "工艺美术", "体育", "实验技术")
CHOICES: dict[str, tuple[str, ...]] = {
    "gender": GENDERS, "level": LEVELS, "education": EDUCATIONS, "degree": DEGREES,
    "path": PATHS, "series": SERIES,
}
TEXT_FIELDS = ("id_number", "phone", "unit_code", "current_title_date", "graduation_date",
               "work_start_date", "year")
EXAMPLE: dict[str, str] = {
    "name": "张三", "id_number": "430102199001011238", "gender": "男", "phone": "13800138000",
    "unit_code": "91430100MA4L0XXX0X", "unit_name": "长沙市某某工程有限公司", "year": "2026",
    "series": "工程", "specialty": "土木工程", "level": "中级", "title_name": "工程师",
    "current_title": "助理工程师", "current_title_date": "2019-12-01", "education": "大学本科",
    "degree": "学士", "school": "湖南大学", "graduation_date": "2012-07-01",
    "work_start_date": "2012-07-15", "ce_hours": "96", "ce_public_hours": "30",
    "ce_professional_hours": "66", "path": "正常", "offline_review": "",
}
_FORMS = {Form.PDF: "PDF", Form.IMAGE: "图片（JPG/PNG）或PDF", Form.ANY: "PDF或图片"}
_HEAD = Font(bold=True)
_REQUIRED = PatternFill("solid", fgColor="FFF2CC")


def _header(sheet: Worksheet) -> None:
    for idx, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=idx, value=column.header)
        cell.font = _HEAD
        if column.required:
            cell.fill = _REQUIRED
            cell.comment = Comment("必填", "zhicheng")
        sheet.column_dimensions[get_column_letter(idx)].width = max(10, len(column.header) * 2 + 4)
    sheet.freeze_panes = "A2"


def _roster_sheet(sheet: Worksheet) -> None:
    _header(sheet)
    for idx, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(idx)
        if column.field in TEXT_FIELDS:
            for row in range(2, ROWS + 2):
                sheet.cell(row=row, column=idx).number_format = "@"
        choices = CHOICES.get(column.field)
        if choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                                  allow_blank=True, showErrorMessage=True,
                                  errorTitle="请从下拉列表中选择",
                                  error=f"{column.header}只能填写：{'、'.join(choices)}")
            rule.add(f"{letter}2:{letter}{ROWS + 1}")
            sheet.add_data_validation(rule)


def _example_sheet(sheet: Worksheet) -> None:
    _header(sheet)
    for idx, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=idx, value=EXAMPLE.get(column.field) or None)
        cell.number_format = "@"
    sheet.cell(row=4, column=1, value="这是填写示例，本页不会被导入；请在“花名册”工作表中填写，"
                                      "日期写成 2012-07-01，身份证号、手机号码写完整的数字。")


def _materials_sheet(sheet: Worksheet) -> None:
    sheet.append(["材料名称（文件名以此开头）", "格式", "是否必备", "示例文件名"])
    for cell in sheet[1]:
        cell.font = _HEAD
    always = set(required_kinds(None, None))
    for kind in ORDER:
        if kind is MaterialKind.OTHER:
            continue
        if kind in always:
            need = "必备"
        elif kind is MaterialKind.DEGREE_CERT:
            need = "填写了最高学位（“无”除外）时必备"
        elif kind is MaterialKind.TITLE_CERT:
            need = "申报中级及以上时必备"
        else:
            need = "按需提交"
        suffix = ".pdf" if FORMS[kind] is Form.PDF else ".jpg"
        sheet.append([str(kind), _FORMS[FORMS[kind]], need, f"{kind}{suffix}"])
    sheet.append([str(MaterialKind.OTHER), _FORMS[Form.ANY], "按需提交", "其他材料-获奖证书.pdf"])
    sheet.append([])
    notes = (
        "文件夹命名：每位申报人一个文件夹，命名为“身份证号_姓名”，如 430102199001011238_张三。",
        "花名册放在批次文件夹的最上层，文件名为“花名册.xlsx”（或 花名册.csv）。",
        "同一种材料有多份时，依次命名为“业绩材料.pdf”“业绩材料-2.pdf”“业绩材料-3.pdf”。",
        "每个文件不超过 10 MB；每批不超过 2000 位申报人；整个批次压缩为一个 zip 后提交。",
        "文件名请用普通文字，不要包含空格以外的特殊符号。",
    )
    for note in notes:
        sheet.append([note])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 30
    sheet.column_dimensions["D"].width = 30
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False)


def build_template() -> Workbook:
    """The template workbook: 花名册 (to fill in), 填写示例, 材料清单."""
    book = Workbook()
    roster = book.active
    assert roster is not None
    roster.title = ROSTER_SHEET
    _roster_sheet(roster)
    _example_sheet(book.create_sheet(EXAMPLE_SHEET))
    _materials_sheet(book.create_sheet(MATERIALS_SHEET))
    return book


def write_template(path: Path) -> None:
    """Write the roster template to `path` (folders created as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template().save(path)


def template_bytes() -> bytes:
    """The template as bytes (a web page's download)."""
    import io

    out = io.BytesIO()
    build_template().save(out)
    return out.getvalue()
