"""Two engines in a cascade: the fast one reads first, and the strong one reads only when the fast
reading does not confirm what the caller needs (for a certificate: the declared name and ID number,
and every field the rules need read and trusted). What "confirms" means is the caller's `confirm`
function, so this layer knows no domain rule. The result names the engine whose reading it is and
carries the fast reading it replaced (`first`), so the caller can see where both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeVar

from PIL import Image

from .engine import Confirm, OcrEngine, OcrResult, OcrTimeout


def never(_reading: OcrResult) -> bool:
    """A `confirm` that accepts no reading: every image goes to the strong engine too."""
    return False


T = TypeVar("T")


def _pad(values: tuple[T | None, ...], n: int) -> tuple[T | None, ...]:
    return values[:n] + (None,) * (n - len(values))


def joined(reading: OcrResult, more: OcrResult) -> OcrResult:
    """`reading` with the lines of `more` (the same engine's reading of some of its lines again)
    after its own, their scores and boxes with them."""
    n, m = len(reading.text.split("\n")), len(more.text.split("\n"))
    chars = _pad(reading.char_scores, n) + _pad(more.char_scores, m) \
        if reading.char_scores or more.char_scores else ()
    return replace(reading, text=f"{reading.text}\n{more.text}",
                   line_scores=_pad(reading.line_scores, n) + _pad(more.line_scores, m),
                   char_scores=chars, line_boxes=_pad(reading.line_boxes, n) + _pad(more.line_boxes, m))


@dataclass
class CascadeEngine:
    """`fast` first; `strong` when `confirm(fast reading)` is false or the fast engine timed out.
    When `confirm` also says where the fast reading fell short (a `bands(reading)` method giving
    horizontal bands of the page) and the strong engine can read bands (`read_bands`), the strong
    engine reads those bands first and the whole page only when that does not confirm, unless
    the fast engine, reading again line by line the lines `confirm.lines(bands reading)` names
    (`read_lines`), makes it confirm, or `confirm.settled(bands reading)` says the whole page could
    change nothing the caller needs.

    `confirm` may be given once here or per call (`read(..., confirm=...)`, which is how a stage
    passes what the certificate at hand must show). Without either, no fast reading is accepted.
    Each engine gets the full `timeout`. A bad image (OcrError from the fast engine) is not retried
    with the strong one: it would fail there too.
    """

    fast: OcrEngine
    strong: OcrEngine
    confirm: Confirm | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"cascade({self.fast.name}>{self.strong.name})"

    def load(self) -> None:
        """Load both engines' models."""
        self.fast.load()
        self.strong.load()

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        """The fast reading if it confirms, else the strong engine's (with the fast one as `first`)."""
        check = confirm or self.confirm or never
        try:
            first: OcrResult | None = self.fast.read(image, timeout=timeout)
        except OcrTimeout:
            first = None
        if first is not None and check(first):
            return first
        bands = getattr(check, "bands", None)
        read_bands = getattr(self.strong, "read_bands", None)
        if first is not None and bands is not None and read_bands is not None:
            # where the fast reading fell short, if `confirm` can say: the strong engine reads
            # those bands of the page, and the whole page only when that does not confirm
            where = bands(first)
            if where:
                try:
                    part: OcrResult = read_bands(image, timeout=timeout, bands=where)
                except OcrTimeout:
                    part = OcrResult("", None, self.strong.name)
                candidate = replace(part, first=first)
                if part.text and check(candidate):
                    return candidate
                # the fast engine may read again, line by line, lines of its page that `confirm`
                # names (`lines`): a second engine's reading of what the strong one read in doubt
                again = getattr(check, "lines", None)
                read_lines = getattr(self.fast, "read_lines", None)
                boxes = again(candidate) if part.text and again is not None and read_lines is not None else None
                if boxes and read_lines is not None:
                    try:
                        extra: OcrResult | None = read_lines(image, timeout=timeout, boxes=boxes)
                    except OcrTimeout:
                        extra = None
                    if extra is not None and extra.text.strip():
                        first = joined(first, extra)
                        candidate = replace(part, first=first)
                        if check(candidate):
                            return candidate
                # `confirm` may also say when reading the whole page could change nothing that
                # matters to the caller (`settled`): then the bands' reading is kept as it is
                settled = getattr(check, "settled", None)
                if part.text and settled is not None and settled(candidate):
                    return candidate
        second = self.strong.read(image, timeout=timeout)
        return replace(second, first=first) if first is not None else second
