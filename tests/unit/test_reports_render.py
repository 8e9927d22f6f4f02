"""The report environment, the spreadsheet writer and the packet's handling of unopenable PDFs,
without a database."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from openpyxl import load_workbook
from pypdf import PdfWriter

from reports.packet import _look_at_pdf
from reports.render import environment, font_family, html_to_pdf
from reports.xlsx import set_text, write_table


def test_the_environment_escapes_markup_in_values() -> None:
    """A name with a tag or quotes renders as text, not markup."""
    out = environment().from_string("<p>{{ name }}</p>").render(name='<script>alert("x")</script>')
    assert out == "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>"


def test_an_undefined_name_in_a_template_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        environment().from_string("{{ missing.field }}").render()


def test_every_template_compiles() -> None:
    env = environment()
    names = env.list_templates()
    assert {"packet.html", "cover.html", "publicity.html", "roster.html",
            "review_sheet.html"} <= set(names)
    for name in names:
        env.get_template(name)


def test_the_chinese_font_is_found_and_embedded(tmp_path: Path) -> None:
    """The PDF carries the Noto CJK font itself, so it reads the same on any machine."""
    assert "CJK" in font_family().split(",")[0]
    target = tmp_path / "t.pdf"
    html_to_pdf(f'<html><body style=\'font-family: {font_family()}\'>职称申报公示</body></html>', target)
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    cjk = [line.split() for line in fonts if "CJK" in line]
    assert cjk and all(cols[-5] == "yes" for cols in cjk)   # the "emb" column
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
    assert "职称申报公示" in text


@pytest.mark.parametrize("value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                   '=HYPERLINK("http://x")'])
def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path, value: str) -> None:
    target = write_table(tmp_path / "t.xlsx", "表", "标题", ["说明"], ["列"], [[value], ["普通"]], [10])
    ws = load_workbook(target).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == value)
    assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(target) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode()


def test_numbers_and_plain_text_are_written_as_they_are(tmp_path: Path) -> None:
    target = write_table(tmp_path / "t.xlsx", "表", "标题", [], ["序号", "姓名"], [[1, "张三"]], [6, 10])
    ws = load_workbook(target).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells[1].data_type == "n" and not cells["张三"].quotePrefix


def test_set_text_leaves_none_empty() -> None:
    from openpyxl import Workbook

    cell = Workbook().active.cell(row=1, column=1)
    set_text(cell, None)
    assert cell.value is None


def test_an_encrypted_or_broken_pdf_is_not_counted_as_pages(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    good = tmp_path / "good.pdf"
    writer.write(good)
    assert _look_at_pdf(good) == (1, None, ())
    writer.encrypt(user_password="pw", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    assert _look_at_pdf(locked)[1] == "是加密的PDF，无法打开"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good.read_bytes()[:60])
    pages, problem, _ = _look_at_pdf(broken)
    assert pages == 0 and problem and problem.startswith("无法读取")


def test_making_a_pdf_leaves_truncated_uploads_unreadable_in_the_same_process(tmp_path: Path) -> None:
    """WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; a worker
    that makes packets must still see a truncated JPEG upload as material.unreadable."""
    from pipeline.documents.preflight import inspect_file
    from tests.unit.test_inspect import jpeg_bytes

    assert html_to_pdf("<p>审核包</p>")[:5] == b"%PDF-"
    data = jpeg_bytes()
    truncated = tmp_path / "学历证书.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    result = inspect_file(truncated, "学历证书.jpg")
    assert [f.rule for f in result.findings] == ["material.unreadable"]
