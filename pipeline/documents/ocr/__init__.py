"""OCR of certificate images behind one small port (`OcrEngine`), with four adapters:

- `tesseract`  tesseract 5, LSTM, one child process per page, one thread (`tesseract.py`);
- `rapidocr`   RapidOCR's PP-OCR models on onnxruntime, in process, one thread, with each
               character's probability (`rapid.py`);
- `cascade`    tesseract first, RapidOCR only when tesseract's reading does not confirm what the
               caller needs: the declared name and ID number, and every field the rules need read
               and trusted (`cascade.py`; the caller passes `confirm`, part of every engine's
               `read`, so no domain rule lives here) — first on the bands of the page where
               tesseract fell short when `confirm` says where (`bands`), else the whole page;
- `null`       reads nothing (`null.py`), for tests and machines without OCR.

Preprocessing (EXIF orientation, seal removal, grey, scaling, lighting, contrast, table rules) is part
of an engine's settings and of its `name`, so a cache keyed by content and engine name re-reads a
file only when the settings change.

The defaults are measured by bench/bench_ocr.py on 48 rendered certificates (clean, 300/200-dpi
scans, phone photos, EXIF-rotated photos; 2 processes on 2 cores):

- tesseract: `chi_sim` alone beats `chi_sim+eng` (name CER 0.15 vs 0.31, 1.05 vs 1.48 s CPU a page);
  psm 11 finds the most names (75 % of scans, 90 % of photos; psm 4: 71 %/75 %, psm 6: 71 %/40 %);
  every preprocessing step pays (without: 54 %/35 %), most of all EXIF (photos 55 % without), light
  flattening (35 % without), table-rule removal (61 %/55 % without) and scaling to 24 px text (the
  same names at 1.05 instead of 1.51 s). Tesseract alone stays far from the aim (≥95 % / ≥85 %):
  its chi_sim model misreads rarer name characters (薇 as 微, 璐 as 下).
- rapidocr: 100 % of names and ID numbers in every condition; scaling the text to 20 px before it
  costs 2.6 s CPU a page instead of 4.0 s, with the same readings.
- cascade (tesseract psm 11, then RapidOCR for what it cannot confirm): measured first (issue 3)
  with a confirm on the declared name and ID number alone, which kept tesseract's misread dates and
  hours; the extract stage now confirms on every field the rules need (read, trusted, agreeing with
  the roster; docs/ocr.md), so RapidOCR reads more pages and both readings are merged. The figures
  of both confirms, per field, are in bench/RESULTS.md (bench/bench_fields.py).
"""

from __future__ import annotations

from typing import Any

from .engine import ACCEPT_ANY, Confirm, EngineUnavailable, OcrEngine, OcrError, OcrResult, OcrTimeout
from .preprocess import Preprocessing

ENGINES = ("tesseract", "rapidocr", "cascade", "null")

# Chosen by bench/bench_ocr.py (figures in the module docstring above).
TESSERACT_PSM = 11
TESSERACT_LANG = "chi_sim"
TESSERACT_PREP = Preprocessing()


def make_engine(name: str, **options: Any) -> OcrEngine:
    """The engine called `name` (one of ENGINES) with the measured default settings.

    Options go to the engine's constructor (`psm=`, `prep=` for tesseract, `prep=` for rapidocr,
    `confirm=` for the cascade). Raises EngineUnavailable when the engine is not installed here.
    """
    if name == "tesseract":
        from .tesseract import TesseractEngine

        options.setdefault("psm", TESSERACT_PSM)
        options.setdefault("lang", TESSERACT_LANG)
        options.setdefault("prep", TESSERACT_PREP)
        return TesseractEngine(**options)
    if name == "rapidocr":
        from .rapid import RapidOcrEngine

        return RapidOcrEngine(**options)
    if name == "cascade":
        from .cascade import CascadeEngine

        return CascadeEngine(make_engine("tesseract"), make_engine("rapidocr"), **options)
    if name == "null":
        from .null import NullEngine

        return NullEngine()
    raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")


__all__ = ["ACCEPT_ANY", "Confirm", "ENGINES", "EngineUnavailable", "OcrEngine", "OcrError", "OcrResult", "OcrTimeout",
           "Preprocessing", "make_engine"]
