"""Names with control characters (stored before intake refused them) never crash a list's XLSX
and never act when the file or a terminal shows them: they are written as visible stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from pipeline.domain.controls import has_controls, visible_controls
from reports.xlsx import write_table

OSC_CLIPBOARD = "张\x1b]52;c;ZWNobyBwd25lZA==\x07三"   # ESC ] 52: write the terminal's clipboard
NUL = "\x00李四"
BIDI = "王五\u202egpj.exe"
C1_CSI = "赵六\x9b31m"


def test_openpyxl_itself_refuses_such_a_name() -> None:
    # What crashed the 公示 XLSX before: the library raises on the raw value.
    with pytest.raises(IllegalCharacterError):
        Workbook().active.cell(row=1, column=1).value = OSC_CLIPBOARD


def test_a_list_with_control_characters_in_names_is_written_and_shows_them(tmp_path: Path) -> None:
    target = tmp_path / "公示.xlsx"
    rows = [[1, OSC_CLIPBOARD, "=1+1"], [2, NUL, "男"], [3, BIDI, "女"], [4, C1_CSI, "男"]]
    write_table(target, "公示\x07名单", "标题\x1b[2J", ["线\x00"], ["序号", "姓名", "性别"], rows, [6, 20, 6])
    ws = load_workbook(target).active
    names = [ws.cell(row=r, column=2).value for r in range(4, 8)]
    assert names == ["张␛]52;c;ZWNobyBwd25lZA==␇三", "␀李四", "王五<U+202E>gpj.exe", "赵六<U+009B>31m"]
    assert ws.cell(row=1, column=1).value == "标题␛[2J" and ws.title == "公示␇名单"
    assert ws.cell(row=4, column=3).value == "=1+1" and ws.cell(row=4, column=3).data_type == "s"
    assert not any(has_controls(str(c.value)) for row in ws.iter_rows() for c in row if c.value)


def test_ordinary_text_is_unchanged() -> None:
    text = "张三\t李四\n湖南省长沙市（2026年）·№1"
    assert visible_controls(text) == text and not has_controls(text)
