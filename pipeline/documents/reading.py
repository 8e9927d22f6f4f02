"""Reading one certificate: its page image (the upright copy, or a PDF's first page), OCR'd by
the configured engine inside an OCR slot, or the PDF's own text layer when it has one; and reading
a scanned PDF (a 述职报告 without a text layer) page by page, for its character count."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pipeline.documents.extraction_key import reading_method
from pipeline.documents.ocr import ACCEPT_ANY, Confirm, OcrEngine, OcrError, OcrResult, OcrTimeout
from pipeline.documents.ocr_slots import ocr_slot
from pipeline.documents.pdf_text import pdf_text

PAGE_TIMEOUT = 120.0    # seconds for one page, per engine
RENDER_DPI = 200
SCAN_PAGE_CAP = 30      # pages of a scanned document OCR'd at most (a 述职报告 needs a few)


@dataclass(frozen=True)
class Reading:
    """What was read from one file content, and how."""

    text: str
    method: str                  # "pdf-text" or the engine's name
    confidence: float | None
    error: str | None = None     # why nothing could be read (a Chinese sentence), if so
    ocr: OcrResult | None = None  # the engine's result (line scores, a cascade's first reading)


def read_certificate(path: Path, media_type: str, has_text_layer: bool | None, engine: OcrEngine,
                     data_dir: Path, confirm: Confirm | None = None) -> Reading:
    """Read one certificate file; an unreadable image gives a Reading with `error`, never raises."""
    if reading_method(media_type, has_text_layer, engine.name) == "pdf-text":
        return Reading(pdf_text(path), "pdf-text", None)
    try:
        image = _page_image(path, media_type)
    except OcrError as exc:
        return Reading("", engine.name, None, f"无法取得页面图像：{exc}")
    try:
        with ocr_slot(data_dir):
            result = engine.read(image, timeout=PAGE_TIMEOUT, confirm=confirm)
    except OcrTimeout:
        return Reading("", engine.name, None, f"识别超时（超过{PAGE_TIMEOUT:.0f}秒）")
    except OcrError as exc:
        return Reading("", engine.name, None, f"图像无法识别：{exc}")
    return Reading(result.page_text, result.engine, result.confidence, ocr=result)


@dataclass(frozen=True)
class ScanReading:
    """What OCR read of a scanned PDF, page by page: the text of the pages read, how many pages
    there are and were read, and why the others were not (a Chinese phrase; None: all were)."""

    text: str
    engine: str
    pages: int
    pages_read: int
    gap: str | None = None

    @property
    def chars(self) -> int:
        """Non-whitespace characters read."""
        return sum(1 for c in self.text if not c.isspace())


def read_scanned_pdf(path: Path, pages: int | None, engine: OcrEngine, data_dir: Path, *,
                     page_cap: int = SCAN_PAGE_CAP, budget: float | None = None) -> ScanReading:
    """OCR a PDF without a text layer one page at a time (one rendered page in memory at a time),
    each page inside an OCR slot and within PAGE_TIMEOUT; at most `page_cap` pages and, when
    given, `budget` seconds in all. Pages that cannot be rendered or read are skipped and named in
    `gap`; never raises for a bad page."""
    if pages is None:
        pages = _pdf_pages(path)
    start = time.monotonic()
    texts: list[str] = []
    used = engine.name
    failed: list[tuple[int, str]] = []
    stopped_at: int | None = None
    for number in range(1, min(pages, page_cap) + 1):
        if budget is not None and time.monotonic() - start > budget:
            stopped_at = number
            break
        try:
            image = render_pdf_page(path, number)
        except (OcrError, subprocess.TimeoutExpired):
            failed.append((number, "页面无法转为图像"))
            continue
        try:
            with ocr_slot(data_dir):
                # a count needs no second opinion: a cascade's fast engine alone
                result = engine.read(image, timeout=PAGE_TIMEOUT, confirm=ACCEPT_ANY)
                texts.append(result.text)
                used = result.engine
        except OcrTimeout:
            failed.append((number, f"识别超时（超过{PAGE_TIMEOUT:.0f}秒）"))
        except OcrError:
            failed.append((number, "图像无法识别"))
        finally:
            image.close()
    gaps = []
    if failed:
        listed = "、".join(str(n) for n, _ in failed[:5]) + ("等" if len(failed) > 5 else "")
        gaps.append(f"第{listed}页（共{len(failed)}页）无法识别（{failed[0][1]}）")
    if stopped_at is not None:
        gaps.append(f"识别用时超过{budget:.0f}秒，第{stopped_at}页起未识别")
    elif pages > page_cap:
        gaps.append(f"共{pages}页，超过识别页数上限，只识别了前{page_cap}页")
    if pages == 0:
        gaps.append("没有可识别的页面")
    return ScanReading("\n\f\n".join(texts), used, pages, len(texts), "，".join(gaps) or None)


def _pdf_pages(path: Path) -> int:
    try:
        from pypdf import PdfReader

        return len(PdfReader(path, strict=False).pages)
    except Exception:  # noqa: BLE001 - inspection let it through; read no page rather than fail
        return 0


def render_pdf_page(path: Path, number: int = 1) -> Image.Image:
    """Page `number` (from 1) of a PDF as an image at RENDER_DPI, rendered by pdftoppm."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise OcrError("pdftoppm (poppler-utils) is not installed")
    # PPM, not PNG: the same pixels, without pdftoppm's PNG compression (~2.5 s of a dense page)
    done = subprocess.run([exe, "-r", str(RENDER_DPI), "-f", str(number), "-l", str(number),
                           str(path)], capture_output=True, timeout=PAGE_TIMEOUT, check=False)
    if done.returncode != 0 or not done.stdout:
        raise OcrError("the PDF page could not be rendered")
    try:
        image = Image.open(io.BytesIO(done.stdout))
        image.load()
    except Exception as exc:  # noqa: BLE001 - a broken rendering is a page that cannot be read
        raise OcrError(f"the rendered page cannot be decoded: {exc}") from exc
    return image


def _page_image(path: Path, media_type: str) -> Image.Image:
    if media_type == "application/pdf":
        return render_pdf_page(path, 1)
    try:
        image = Image.open(path)
        image.load()
        return image
    except Exception as exc:  # noqa: BLE001 - inspection let it through; still degrade, not fail
        raise OcrError(str(exc)) from exc
