"""Tesseract (LSTM, `chi_sim+eng`) as an OCR engine.

Each call runs one `tesseract` child process: the prepared image goes in on stdin as an
uncompressed PGM/PPM (no temporary file, no PNG encoding), the TSV comes back on stdout. The child
gets `OMP_THREAD_LIMIT=1` in its own environment, so one call uses one core and the parallelism is
across worker processes; the parent's environment is left alone. A call that passes its timeout is
killed. The binary is the one pytesseract is configured with (`pytesseract.pytesseract.tesseract_cmd`);
pytesseract itself passes the parent's whole environment to the child, which is why the child is
started here.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .engine import Confirm, EngineUnavailable, OcrError, OcrResult, OcrTimeout, check_image
from .preprocess import Preprocessing

DEFAULT_LANG = "chi_sim+eng"


def _tesseract_cmd() -> str:
    try:
        import pytesseract

        return str(pytesseract.pytesseract.tesseract_cmd)
    except ImportError:  # pragma: no cover - pytesseract is a dependency
        return "tesseract"


def _pnm(image: Image.Image) -> bytes:
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, "PPM")  # PGM for "L", PPM for "RGB"
    return buf.getvalue()


def text_from_tsv(tsv: str) -> tuple[str, float | None]:
    """The text (a line per OCR line, a blank line between blocks) and the mean word confidence in
    0..1 (weighted by length) from tesseract's TSV output."""
    text, confidence, _ = lines_from_tsv(tsv)
    return text, confidence


def lines_from_tsv(tsv: str) -> tuple[str, float | None, tuple[float | None, ...]]:
    """As `text_from_tsv`, with each line's confidence: its least sure word's (None for the blank
    lines between blocks). A misread character lowers its word's confidence, not the line's mean."""
    text, confidence, scores, _ = read_tsv(tsv)
    return text, confidence, scores


Box = tuple[float, float, float, float]


def read_tsv(tsv: str) -> tuple[str, float | None, tuple[float | None, ...], tuple[Box | None, ...]]:
    """As `lines_from_tsv`, with each line's box (left, top, right, bottom, as shares of the
    page's width and height; None for the blank lines between blocks)."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    worst: dict[tuple[int, int, int], float] = {}
    boxes: dict[tuple[int, int, int], list[int]] = {}
    width = height = 0
    total, weight = 0.0, 0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) >= 10 and cols[0] == "1":
            width, height = int(cols[8]), int(cols[9])
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append(word)
        left, top, w, h = (int(c) for c in cols[6:10])
        box = boxes.setdefault(key, [left, top, left + w, top + h])
        box[:] = [min(box[0], left), min(box[1], top), max(box[2], left + w), max(box[3], top + h)]
        conf = float(cols[10])
        if conf >= 0:
            total += conf * len(word)
            weight += len(word)
            worst[key] = min(worst.get(key, 100.0), conf)
    out: list[str] = []
    scores: list[float | None] = []
    places: list[Box | None] = []
    previous_block = None
    for key, words in lines.items():
        if previous_block is not None and key[0] != previous_block:
            out.append("")
            scores.append(None)
            places.append(None)
        out.append(" ".join(words))
        scores.append(worst[key] / 100 if key in worst else None)
        b = boxes[key]
        places.append((b[0] / width, b[1] / height, b[2] / width, b[3] / height) if width and height else None)
        previous_block = key[0]
    return "\n".join(out), (total / weight / 100 if weight else None), tuple(scores), tuple(places)


# A line read again (`read_lines`) is cut from the prepared page with this many line heights
# either side (tesseract's box may hold only part of the line: 年 六 月 过 人 千 日 without its
# year) and a little above and below, scaled LINE_SCALE times and made black and white.
LINE_PAD = 3.0
LINE_SCALE = 2


def _line_image(prepared: Image.Image, box: Box) -> Image.Image:
    from .preprocess import _otsu

    width, height = prepared.size
    h = (box[3] - box[1]) * height
    crop = prepared.convert("L").crop((
        max(0, int(box[0] * width - LINE_PAD * h)), max(0, int(box[1] * height - 0.4 * h)),
        min(width, int(box[2] * width + LINE_PAD * h)), min(height, int(box[3] * height + 0.4 * h))))
    crop = crop.resize((crop.width * LINE_SCALE, crop.height * LINE_SCALE), Image.Resampling.LANCZOS)
    pixels = np.asarray(crop)
    return Image.fromarray(np.where(pixels > _otsu(pixels), 255, 0).astype(np.uint8), "L")


@dataclass
class TesseractEngine:
    """Tesseract with the LSTM model (`--oem 1`), a page segmentation mode and preprocessing."""

    psm: int = 4
    prep: Preprocessing = field(default_factory=Preprocessing)
    lang: str = DEFAULT_LANG
    cmd: str = field(default_factory=_tesseract_cmd)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"tesseract:{self.lang}:oem1:psm{self.psm}:{self.prep.label}"
        if shutil.which(self.cmd) is None:
            raise EngineUnavailable(
                f"tesseract ({self.cmd}) is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim")
        self._env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def prepare(self, image: Image.Image) -> Image.Image:
        """The image as this engine hands it to tesseract (preprocessing applied)."""
        image = check_image(image)
        try:
            return self.prep.apply(image)
        except Exception as exc:  # noqa: BLE001 - odd modes, broken data: never a crash
            raise OcrError(f"the image cannot be prepared for OCR: {exc}") from exc

    def command(self, psm: int | None = None) -> list[str]:
        """The tesseract command line (reading stdin, writing TSV to stdout), in this engine's page
        segmentation mode or `psm`."""
        return [self.cmd, "stdin", "stdout", "-l", self.lang, "--oem", "1", "--psm", str(psm or self.psm),
                "-c", "preserve_interword_spaces=1", "tsv"]

    def load(self) -> None:
        """Nothing to load: each page runs the tesseract binary."""

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        """The text on `image`; OcrTimeout after `timeout` seconds (the child is killed)."""
        data = _pnm(self.prepare(image))
        try:
            proc = subprocess.run(self.command(), input=data, capture_output=True, env=self._env,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OcrTimeout(f"tesseract took more than {timeout:g} s") from exc
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed ({proc.returncode}): {' '.join(message[-3:])}")
        text, confidence, scores, boxes = read_tsv(proc.stdout.decode("utf-8", "replace"))
        return OcrResult(text=text, confidence=confidence, engine=self.name, line_scores=scores,
                         line_boxes=boxes)

    def read_lines(self, image: Image.Image, *, timeout: float, boxes: Sequence[Box]) -> OcrResult:
        """Lines of the page read again one at a time, as a single line of text (psm 7), each
        cut wide around its box (`LINE_PAD`), scaled and made black and white: on the sample
        certificates' Chinese-numeral dates this reads what the page's reading (psm 11) split
        into fragments. A line of the result per box, with the box as its place and its least
        sure word's confidence; OcrTimeout when all of them took more than `timeout`."""
        prepared = self.prepare(image)
        command = self.command(psm=7)
        start = time.monotonic()
        texts: list[str] = []
        scores: list[float | None] = []
        for box in boxes:
            left = timeout - (time.monotonic() - start)
            try:
                proc = subprocess.run(command, input=_pnm(_line_image(prepared, box)), capture_output=True,
                                      env=self._env, timeout=max(left, 0.1), check=False)
            except subprocess.TimeoutExpired as exc:
                raise OcrTimeout(f"tesseract took more than {timeout:g} s") from exc
            if proc.returncode != 0:
                raise OcrError(f"tesseract failed ({proc.returncode}) on a line")
            text, _, line_scores, _ = read_tsv(proc.stdout.decode("utf-8", "replace"))
            texts.append(" ".join(t for t in text.split("\n") if t))
            known = [s for s in line_scores if s is not None]
            scores.append(min(known) if known else None)
        return OcrResult(text="\n".join(texts), confidence=None, engine=f"{self.name}:lines",
                         line_scores=tuple(scores), line_boxes=tuple(boxes))
