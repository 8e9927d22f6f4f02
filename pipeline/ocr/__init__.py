"""OCR of certificate images behind one small port (`OcrEngine`), with four adapters:

- `tesseract`  tesseract 5, LSTM, chi_sim+eng, one child process per page (`tesseract.py`);
- `rapidocr`   RapidOCR's PP-OCR models on onnxruntime, in process (`rapid.py`);
- `cascade`    tesseract first, RapidOCR only when tesseract's reading does not confirm the declared
               name and ID number (`cascade.py`; the caller supplies `confirm`);
- `null`       reads nothing (`null.py`), for tests and machines without OCR.

Preprocessing (EXIF orientation, seal removal, grey, scaling, lighting, contrast) is part of an
engine's settings and of its `name`, so a cache keyed by content and engine name re-reads a file
only when the settings change. The default settings are the ones bench/bench_ocr.py measured best.
"""

from __future__ import annotations

from typing import Any

from .engine import EngineUnavailable, OcrEngine, OcrError, OcrResult, OcrTimeout
from .preprocess import Preprocessing

ENGINES = ("tesseract", "rapidocr", "cascade", "null")

# Chosen by bench/bench_ocr.py (the figures are in its docstring).
TESSERACT_PSM = 4
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


__all__ = ["ENGINES", "EngineUnavailable", "OcrEngine", "OcrError", "OcrResult", "OcrTimeout",
           "Preprocessing", "make_engine"]
