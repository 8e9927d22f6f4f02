"""RapidOCR (PP-OCR detection, direction and recognition models on onnxruntime) as an OCR engine.

The package `rapidocr-onnxruntime` (1.4.x) carries its models in the wheel, so nothing is fetched
at run time. It is imported only when the first image is read, and the model is loaded once per
process (about a second) and shared by every `RapidOcrEngine` of that process; onnxruntime and
OpenCV get one thread each, so one process uses one core and the parallelism is across processes.

A call runs in the calling process and cannot be interrupted half-way; its work is bounded (RapidOCR
scales every image to at most 2000 px on its long side), and a reading that took longer than the
timeout is discarded and reported as OcrTimeout, so the engine keeps the same contract as tesseract.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .engine import Confirm, EngineUnavailable, OcrError, OcrResult, OcrTimeout, check_image
from .preprocess import Preprocessing

PACKAGE = "rapidocr-onnxruntime"
# RapidOCR reads colour and needs no cleaning: the EXIF orientation is applied, and the text is
# scaled to 20 px, which makes text detection (its cost grows with the pixels) cheaper at no loss.
RAPID_PREP = Preprocessing(exif=True, red=False, gray=False, text_height=20, flatten=False,
                           contrast=False, lines=False)

_model: Any = None
_model_lock = threading.Lock()
_call_lock = threading.Lock()


class _KeepCharScores:
    """RapidOCR's recognizer, keeping each character's probability of the texts it reads (the
    model gives a box only the mean): `last` maps (text, mean) to the characters' probabilities."""

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        self.last: dict[tuple[str, float], tuple[float, ...]] = {}

    def __call__(self, images: Any, return_word_box: bool = False) -> tuple[list[Any], float]:
        results, elapsed = self.recognizer(images, True)
        self.last = {}
        for result in results:
            text, mean = str(result[0]), float(result[1])
            probabilities = result[2][4] if len(result) > 2 else []
            if len(probabilities) == len(text):
                self.last[(text, mean)] = tuple(float(p) for p in probabilities)
        return (results if return_word_box else [(r[0], r[1]) for r in results]), elapsed


def load_model() -> Any:
    """The process's RapidOCR instance, made on first use (one thread for onnxruntime and OpenCV)."""
    global _model
    with _model_lock:
        if _model is None:
            try:
                import cv2
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise EngineUnavailable(
                    f"RapidOCR is not installed ({exc}): pip install '{PACKAGE}>=1.4.4,<1.5'") from exc
            cv2.setNumThreads(1)
            _model = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
            _model.text_rec = _KeepCharScores(_model.text_rec)
        return _model


def available() -> bool:
    """Whether the RapidOCR package can be imported here (the model is not loaded)."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def text_from_boxes(boxes: list[Any] | None) -> tuple[str, float | None]:
    """The text of RapidOCR's boxes in reading order (a line per row of boxes, left to right) and
    the mean score in 0..1 weighted by length."""
    text, score, _ = lines_from_boxes(boxes)
    return text, score


def lines_from_boxes(boxes: list[Any] | None) -> tuple[str, float | None, tuple[float | None, ...]]:
    """As `text_from_boxes`, with each line's score: its least sure box's. The boxes' positions
    put a label and the value to its right on one line."""
    text, score, scores, _ = read_boxes(boxes)
    return text, score, scores


def read_boxes(boxes: list[Any] | None, chars: dict[tuple[str, float], tuple[float, ...]] | None = None
               ) -> tuple[str, float | None, tuple[float | None, ...], tuple[tuple[float, ...] | None, ...]]:
    """As `lines_from_boxes`, with each line's characters' probabilities (from `chars`, the
    recognizer's, by box text and score; a space between boxes counts 1.0; None for a line with
    a box whose characters' probabilities are not known)."""
    if not boxes:
        return "", None, (), ()
    items = []
    for box, text, score in boxes:
        ys = [pt[1] for pt in box]
        xs = [pt[0] for pt in box]
        items.append((min(ys), max(ys), min(xs), str(text), float(score)))
    items.sort(key=lambda it: (it[0] + it[1]) / 2)
    rows: list[list[tuple[float, float, float, str, float]]] = []
    for it in items:
        centre, height = (it[0] + it[1]) / 2, it[1] - it[0]
        if rows:
            last = rows[-1]
            last_centre = sum((r[0] + r[1]) / 2 for r in last) / len(last)
            if abs(centre - last_centre) < 0.5 * max(height, 1):
                last.append(it)
                continue
        rows.append([it])
    rows = [sorted(row, key=lambda r: r[2]) for row in rows]
    lines = [" ".join(r[3] for r in row) for row in rows]
    scores = tuple(min(r[4] for r in row) for row in rows)
    weight = sum(len(it[3]) for it in items)
    score = sum(it[4] * len(it[3]) for it in items) / weight if weight else None
    return "\n".join(lines), score, scores, tuple(_row_chars(row, chars or {}) for row in rows)


def _row_chars(row: list[tuple[float, float, float, str, float]],
               chars: dict[tuple[str, float], tuple[float, ...]]) -> tuple[float, ...] | None:
    out: list[float] = []
    for i, (_, _, _, text, score) in enumerate(row):
        known = chars.get((text, score))
        if known is None:
            return None
        out.extend(((1.0,) if i else ()) + known)
    return tuple(out)


@dataclass
class RapidOcrEngine:
    """RapidOCR on onnxruntime with the models of its wheel."""

    prep: Preprocessing = field(default_factory=lambda: RAPID_PREP)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"rapidocr:{self.prep.label}"
        if not available():
            raise EngineUnavailable(f"RapidOCR is not installed: pip install '{PACKAGE}>=1.4.4,<1.5'")

    def prepare(self, image: Image.Image) -> Image.Image:
        """The image as this engine hands it to RapidOCR (preprocessing applied, RGB or L)."""
        image = check_image(image)
        try:
            image = self.prep.apply(image)
        except Exception as exc:  # noqa: BLE001 - odd modes, broken data: never a crash
            raise OcrError(f"the image cannot be prepared for OCR: {exc}") from exc
        return image if image.mode in ("L", "RGB") else image.convert("RGB")

    def load(self) -> None:
        load_model()

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        """The text on `image`; OcrTimeout when the reading took more than `timeout` seconds."""
        prepared = self.prepare(image)
        model = load_model()
        start = time.monotonic()
        with _call_lock:  # one reading at a time per process: one core, as configured
            try:
                boxes, _elapsed = model(prepared)
            except Exception as exc:  # noqa: BLE001 - OpenCV/onnxruntime errors on odd input
                raise OcrError(f"RapidOCR failed: {exc}") from exc
        took = time.monotonic() - start
        if took > timeout:
            raise OcrTimeout(f"RapidOCR took {took:.1f} s, more than {timeout:g} s")
        kept = model.text_rec.last if isinstance(model.text_rec, _KeepCharScores) else {}
        text, confidence, scores, chars = read_boxes(boxes, kept)
        return OcrResult(text=text, confidence=confidence, engine=self.name, line_scores=scores,
                         char_scores=chars)

    def read_bands(self, image: Image.Image, *, timeout: float,
                   bands: Sequence[tuple[float, float]]) -> OcrResult:
        """The text of horizontal bands of the page (top and bottom as shares of its height), each
        read as an image of its own: RapidOCR's work grows with the pixels and the text boxes, so
        a band of a few lines costs a fraction of the page. The lines are in page order."""
        prepared = self.prepare(image)
        width, height = prepared.size
        model = load_model()
        start = time.monotonic()
        boxes: list[Any] = []
        chars: dict[tuple[str, float], tuple[float, ...]] = {}
        with _call_lock:
            # The detector scales an image up until its short side has 736 px; a band's would be
            # scaled 4-5 times. The bands are scaled as the detector scales the whole page, and
            # the detector only bounds their long side.
            detector = model.text_det
            scaling = getattr(detector, "limit_type", None)
            scale = max(1.0, getattr(detector, "limit_side_len", 0) / max(1, min(width, height)))
            try:
                if scaling is not None:
                    detector.limit_type = "max"
                for top, bottom in bands:
                    y0, y1 = int(max(0.0, top) * height), int(min(1.0, bottom) * height)
                    if y1 - y0 < 8:
                        continue
                    band = prepared.crop((0, y0, width, y1))
                    if scale > 1:  # the scale the detector gives the whole page
                        band = band.resize((round(band.width * scale), round(band.height * scale)))
                    found, _elapsed = model(band)
                    if isinstance(model.text_rec, _KeepCharScores):
                        chars.update(model.text_rec.last)
                    boxes += [[[[x / scale, y / scale + y0] for x, y in box], text, score]
                              for box, text, score in found or []]
            except Exception as exc:  # noqa: BLE001 - OpenCV/onnxruntime errors on odd input
                raise OcrError(f"RapidOCR failed: {exc}") from exc
            finally:
                if scaling is not None:
                    detector.limit_type = scaling
        took = time.monotonic() - start
        if took > timeout:
            raise OcrTimeout(f"RapidOCR took {took:.1f} s, more than {timeout:g} s")
        text, confidence, scores, per_char = read_boxes(boxes, chars)
        return OcrResult(text=text, confidence=confidence, engine=f"{self.name}:bands",
                         line_scores=scores, char_scores=per_char, part=True)
