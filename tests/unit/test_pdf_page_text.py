"""The text-operator reader (`pdf_page_text`): on the pages it reads, the same text as pypdf
(every non-space character, line by line); on a page it is not sure of, None, so that pypdf reads
it. PDFs from the sample generator (reportlab, a non-embedded CJK font), WeasyPrint (embedded
subset fonts with ToUnicode) and reportlab with an embedded TrueType font, and hand-built pages
for each case it must leave to pypdf."""

from __future__ import annotations

import random
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.documents.pdf_page_text import page_text
from pipeline.documents.pdf_text import read_text
from tests.files.hostile import _assemble, _stream, nested_xobject_pdf

STSONG = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
          b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
          b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 >>] >>")
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def lines(text: str) -> list[str]:
    """A text's lines without their spaces (the reader approximates the spaces between words)."""
    return [line for line in ("".join(raw.split()) for raw in text.splitlines()) if line]


def same_as_pypdf(data: bytes) -> int:
    """Assert that every page is read by the text operators, as pypdf reads it; the pages."""
    reader = PdfReader(BytesIO(data))
    for page in reader.pages:
        fast = page_text(page)
        assert fast is not None
        assert lines(fast) == lines(page.extract_text())
    return len(reader.pages)


def one_page(content: bytes, font: bytes = STSONG, *extra: bytes,
             resources: bytes = b"") -> bytes:
    """A one-page PDF drawing `content` with font /F1 (object 4); `extra` objects from 5 on."""
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        b"/Resources << /Font << /F1 4 0 R >>" + resources + b" >> >>",
        font,
        _stream(content, compress=True),
        *extra])


def ucs2(text: str) -> bytes:
    """A literal string of UCS-2 codes, escaped as reportlab escapes them."""
    out = bytearray(b"(")
    for byte in text.encode("utf-16-be"):
        out += b"\\%03o" % byte if byte < 32 or byte > 126 or byte in b"()\\" else bytes([byte])
    return bytes(out + b")")


def test_the_sample_generators_reports_read_as_pypdf_reads_them() -> None:
    from zhicheng.sample.documents import report_pdf
    from zhicheng.sample.people import make_person

    pages = 0
    for i in range(4):
        rng = random.Random(i)
        person = make_person(rng, i, 2026, ("430100000001", "湖南省测试单位", "事业单位"), set(),
                             None)
        pages += same_as_pypdf(report_pdf(person, i % 2 == 0, rng))
    assert pages >= 8


def test_weasyprint_pages_with_embedded_subset_fonts_read_as_pypdf_reads_them() -> None:
    from weasyprint import HTML

    paragraphs = "".join(
        f"<p>第{i}段：负责隧道照明与通风控制系统设计，成果获湖南省公路学会科学技术奖三等奖。"
        f"Latin text (with parentheses), a back\\slash, 50% and “quotes”.</p>" for i in range(40))
    html = ("<html><body style=\"font-family: 'Noto Sans CJK SC'\"><h1>专业技术工作述职报告</h1>"
            f"{paragraphs}</body></html>")
    assert same_as_pypdf(HTML(string=html).write_pdf()) >= 2


def test_reportlab_with_an_embedded_truetype_font_reads_as_pypdf_reads_it() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    out = BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("DejaVu", 12)
    for i in range(30):
        pdf.drawString(50, 800 - i * 18, f"Line {i}: Ünïcödé (paren) \\ back — café ±{i}")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(50, 40, "Helvetica in WinAnsiEncoding: café")
    pdf.showPage()
    pdf.save()
    assert same_as_pypdf(out.getvalue()) == 1


def test_escapes_hex_strings_arrays_and_line_moves() -> None:
    content = (b"BT /F1 12 Tf 72 720 Td " + ucs2("述职(报告)") + b" Tj 0 -20 Td <8FF0804C> Tj "
               b"[" + ucs2("专业") + b" -300 " + ucs2("技术") + b"] TJ 16 TL T* "
               + ucs2("湖南") + b" ' ET")
    page = PdfReader(BytesIO(one_page(content))).pages[0]
    assert lines(page_text(page) or "") == ["述职(报告)", "述职专业技术", "湖南"]
    assert lines(page_text(page) or "") == lines(page.extract_text())


@pytest.mark.parametrize("content, font, extra, resources", [
    pytest.param(b"BT /F1 12 Tf 72 720 Td (a (nested) string) Tj ET", HELVETICA, (), b"",
                 id="nested-parentheses"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td (text) Tj ET BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI",
                 HELVETICA, (), b"", id="inline-image"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td (text) Tj ET /X Do", HELVETICA,
                 (_stream(b"BT /F1 9 Tf (inside) Tj ET",
                          b" /Type /XObject /Subtype /Form /BBox [0 0 9 9]"),),
                 b" /XObject << /X 6 0 R >>", id="form-xobject"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td (abc) Tj ET",
                 b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences "
                 b"[97 /beta] >> >>", (), b"", id="differences-without-tounicode"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td (abc) Tj ET",
                 b"<< /Type /Font /Subtype /Type3 /FontMatrix [1 0 0 1 0 0] /CharProcs << >> "
                 b"/Encoding << /Differences [97 /a] >> /FontBBox [0 0 1 1] >>", (), b"",
                 id="type3-font"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td <00410099> Tj ET",
                 b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H "
                 b"/ToUnicode 6 0 R >>",
                 (_stream(b"begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange "
                          b"1 beginbfchar <0041> <0041> endbfchar endcmap"),), b"",
                 id="a-code-the-font-does-not-map"),
    pytest.param(b"BT /F1 12 Tf 72 720 Td <3000> Tj ET",
                 b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /GBK-EUC-H >>", (), b"",
                 id="cid-font-without-a-unicode-map"),
])
def test_what_it_is_not_sure_of_is_left_to_pypdf(content: bytes, font: bytes,
                                                  extra: tuple[bytes, ...],
                                                  resources: bytes) -> None:
    page = PdfReader(BytesIO(one_page(content, font, *extra, resources=resources))).pages[0]
    assert page_text(page) is None


def test_the_reader_process_has_pypdf_read_the_pages_left_to_it(tmp_path: Path) -> None:
    readable = one_page(b"BT /F1 12 Tf 72 720 Td " + ucs2("述职报告") + b" Tj ET")
    nested = one_page(b"BT /F1 12 Tf 72 720 Td (a (nested) string) Tj ET", HELVETICA)
    (tmp_path / "a.pdf").write_bytes(readable)
    (tmp_path / "b.pdf").write_bytes(nested)
    (tmp_path / "c.pdf").write_bytes(nested_xobject_pdf(depth=2, fanout=2, visible=True))
    assert read_text(tmp_path / "a.pdf").text.strip() == "述职报告"
    assert read_text(tmp_path / "b.pdf").text.strip() == "a (nested) string"
    text = read_text(tmp_path / "c.pdf").text
    assert "Work report" in text and text.count("Nested form XObject text") == 2
