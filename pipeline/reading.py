"""Reading one certificate: its page image (the upright copy, or a PDF's first page), OCR'd by
the configured engine inside an OCR slot, or the PDF's own text layer when it has one."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from pipeline.inspect import pdf_text
from pipeline.ocr import OcrEngine, OcrError, OcrTimeout
from pipeline.ocr_slots import ocr_slot

PAGE_TIMEOUT = 120.0    # seconds for one page, per engine
RENDER_DPI = 200


@dataclass(frozen=True)
class Reading:
    """What was read from one file content, and how."""

    text: str
    method: str                  # "pdf-text" or the engine's name
    confidence: float | None
    error: str | None = None     # why nothing could be read (a Chinese sentence), if so


def reading_method(media_type: str | None, has_text_layer: bool | None, engine_name: str) -> str:
    """How a certificate is read: a PDF's own text layer, else OCR by the engine."""
    return "pdf-text" if media_type == "application/pdf" and has_text_layer else engine_name


def read_certificate(path: Path, media_type: str, has_text_layer: bool | None, engine: OcrEngine,
                     data_dir: Path, confirm: Callable[[str], bool] | None = None) -> Reading:
    """Read one certificate file; an unreadable image gives a Reading with `error`, never raises."""
    if reading_method(media_type, has_text_layer, engine.name) == "pdf-text":
        return Reading(pdf_text(path), "pdf-text", None)
    try:
        image = _page_image(path, media_type)
    except OcrError as exc:
        return Reading("", engine.name, None, f"无法取得页面图像：{exc}")
    try:
        with ocr_slot(data_dir):
            if confirm is not None and hasattr(engine, "strong"):  # a cascade: confirm per file
                result = engine.read(image, timeout=PAGE_TIMEOUT, confirm=confirm)  # type: ignore[call-arg]
            else:
                result = engine.read(image, timeout=PAGE_TIMEOUT)
    except OcrTimeout:
        return Reading("", engine.name, None, f"识别超时（超过{PAGE_TIMEOUT:.0f}秒）")
    except OcrError as exc:
        return Reading("", engine.name, None, f"图像无法识别：{exc}")
    return Reading(result.text, result.engine, result.confidence)


def _page_image(path: Path, media_type: str) -> Image.Image:
    if media_type == "application/pdf":
        exe = shutil.which("pdftoppm")
        if exe is None:
            raise OcrError("pdftoppm (poppler-utils) is not installed")
        done = subprocess.run([exe, "-r", str(RENDER_DPI), "-f", "1", "-l", "1", "-png", str(path)],
                              capture_output=True, timeout=PAGE_TIMEOUT, check=False)
        if done.returncode != 0 or not done.stdout:
            raise OcrError("the PDF page could not be rendered")
        return Image.open(io.BytesIO(done.stdout))
    try:
        image = Image.open(path)
        image.load()
        return image
    except Exception as exc:  # noqa: BLE001 - inspection let it through; still degrade, not fail
        raise OcrError(str(exc)) from exc
