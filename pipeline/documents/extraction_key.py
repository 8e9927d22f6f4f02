"""The extraction cache's key: (the file's SHA-256, the method). The one place that decides which
method a material is read with, so the extract stage (which reads and stores) and the check stage
(which looks the reading up) can never disagree.

- a 述职报告 PDF with a text layer: `pdf-text` (its text, counted);
- a 述职报告 PDF without one (a scan): `ocr-text:<fast engine>` for its OCR'd character count,
  only when an OCR engine is configured;
- a certificate: `pdf-text` for a PDF with a text layer, else the configured engine's name;
- anything else (or a file that did not open): not read, no key.
"""

from __future__ import annotations

from pipeline.domain.materials import CERTIFICATE_KINDS, MaterialKind

TEXT_LAYER = "pdf-text"
SCAN_PREFIX = "ocr-text:"
# The documents whose full text a rule reads: the 述职报告 must have at least 3,000 characters.
TEXT_KINDS: frozenset[str] = frozenset({str(MaterialKind.WORK_REPORT)})
CERTIFICATES: frozenset[str] = frozenset(str(k) for k in CERTIFICATE_KINDS)
PDF = "application/pdf"


def scan_method(engine_name: str) -> str:
    """The method for the OCR text of a scanned document read with the configured engine
    (`ctx.ocr_engine_name`): its fast reader's name, so the cascade and tesseract share it. The
    settings' name: the check stage knows it without making the engine."""
    return SCAN_PREFIX + ("tesseract" if engine_name == "cascade" else engine_name)


def reading_method(media_type: str | None, has_text_layer: bool | None, engine_name: str) -> str:
    """How a certificate is read: a PDF's own text layer, else OCR by the engine."""
    return TEXT_LAYER if media_type == PDF and has_text_layer else engine_name


def extraction_method(kind: str, media_type: str | None, has_text_layer: bool | None,
                      engine_name: str) -> str | None:
    """The method a material is read (and its reading cached) with, or None when it is not read."""
    if media_type is None:
        return None  # did not pass the preflight
    if kind in TEXT_KINDS:
        if media_type != PDF or has_text_layer is None:
            return None  # an image (material.wrong_form) or a PDF that did not open
        if has_text_layer:
            return TEXT_LAYER
        return None if engine_name == "null" else scan_method(engine_name)
    if kind in CERTIFICATES:
        if engine_name == "null" and not has_text_layer:
            return None
        return reading_method(media_type, has_text_layer, engine_name)
    return None
