"""Reading a scanned PDF page by page (pipeline.documents.reading.read_scanned_pdf): one page at a time, a
page cap, and pages that cannot be read named instead of failing. A scripted engine stands in for
OCR here (the real engines read real scans in tests/integration/test_report_ocr.py)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from pipeline.documents.ocr import Confirm, OcrError, OcrResult, OcrTimeout
from pipeline.documents.reading import read_scanned_pdf


class Scripted:
    """Reads page n as the n-th of `script`: a text, or an exception to raise."""

    name = "scripted"

    def __init__(self, *script: str | Exception) -> None:
        self.script = list(script)
        self.sizes: list[tuple[int, int]] = []

    def load(self) -> None:
        pass

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        self.sizes.append(image.size)
        step = self.script[len(self.sizes) - 1]
        if isinstance(step, Exception):
            raise step
        return OcrResult(step, None, self.name)


def scan(tmp_path: Path, pages: int) -> Path:
    images = [Image.new("L", (300, 420), 255) for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=50)
    path = tmp_path / "scan.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_every_page_is_rendered_and_read_once(tmp_path: Path) -> None:
    engine = Scripted("述职 报告\n第一页", "第二页", "")
    got = read_scanned_pdf(scan(tmp_path, 3), None, engine, tmp_path / "var")
    assert (got.pages, got.pages_read, got.gap, got.chars) == (3, 3, None, 10)
    assert engine.sizes == [(1200, 1680)] * 3  # 300×420 px at 50 dpi, rendered at 200 dpi


def test_pages_over_the_cap_are_not_read_and_the_gap_says_so(tmp_path: Path) -> None:
    engine = Scripted("一二三", "四五六", "七八九")
    got = read_scanned_pdf(scan(tmp_path, 3), 3, engine, tmp_path / "var", page_cap=2)
    assert (got.pages, got.pages_read, got.chars) == (3, 2, 6) and len(engine.sizes) == 2
    assert got.gap == "共3页，超过识别页数上限，只识别了前2页"


def test_a_page_that_cannot_be_read_is_named_and_the_others_still_count(tmp_path: Path) -> None:
    engine = Scripted("一二三", OcrError("bad image"), OcrTimeout("slow"))
    got = read_scanned_pdf(scan(tmp_path, 3), 3, engine, tmp_path / "var")
    assert (got.pages, got.pages_read, got.chars) == (3, 1, 3)
    assert got.gap == "第2、3页（共2页）无法识别（图像无法识别）"


def test_a_pdf_that_does_not_render_reads_no_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot a pdf at all\n%%EOF\n")
    engine = Scripted()
    got = read_scanned_pdf(broken, 2, engine, tmp_path / "var")
    assert (got.pages, got.pages_read, got.chars, engine.sizes) == (2, 0, 0, [])
    assert got.gap is not None and "无法识别" in got.gap and "页面无法转为图像" in got.gap


def test_the_time_budget_stops_reading_and_says_where(tmp_path: Path) -> None:
    engine = Scripted("一二三", "四五六")
    got = read_scanned_pdf(scan(tmp_path, 2), 2, engine, tmp_path / "var", budget=0.0)
    assert got.pages_read == 0 and got.gap == "识别用时超过0秒，第1页起未识别"
