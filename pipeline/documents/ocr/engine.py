"""The OCR port: what an engine is, what it returns, and how it fails.

    OcrError            the image cannot be read (broken, empty, not an image): permanent, the
     │                  material gets `ocr.unreadable` and is never retried
     └── OcrTimeout     the engine did not finish within the per-page timeout: transient, the
                        caller may retry later with the same settings

    EngineUnavailable   (apart: a RuntimeError) the engine is not installed here; raised when the
                        engine is made, never for an image

An engine is anything with a `name`, a `load` and a `read` method of this shape (a `typing.Protocol`:
tests pass fakes without inheritance). Engines never raise anything else for a bad image.

`read` takes a `confirm` function: an engine that reads in steps (the cascade) keeps its first
reading when `confirm(reading)` accepts it and reads again with its stronger engine otherwise; a
single engine reads once and ignores it. `ACCEPT_ANY` asks for the first (fast) reading alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image

from pipeline.errors import ConfigError, PermanentFault, TransientFault


@dataclass(frozen=True)
class OcrResult:
    """What an engine read: the text (lines separated by newlines), a confidence in 0..1 when the
    engine gives one, and the name (with settings) of the engine that produced this text."""

    text: str
    confidence: float | None
    engine: str
    # The engine's confidence (0..1) for each line of `text` (None where it gives none); empty
    # when the engine does not say.
    line_scores: tuple[float | None, ...] = ()
    # Each character's probability (0..1), line by line, aligned with the line's characters (None
    # for a line where the engine does not say; empty when it never does).
    char_scores: tuple[tuple[float, ...] | None, ...] = ()
    # Each line's box on the page (left, top, right, bottom as shares of the prepared image's
    # width and height; None where not known; empty when the engine does not say).
    line_boxes: tuple[tuple[float, float, float, float] | None, ...] = ()
    # The fast engine's reading that a cascade did not accept, kept so fields can be compared.
    first: OcrResult | None = None
    # The text is of part of the page (a cascade's strong engine read only where the fast one
    # fell short); `first` holds the whole page's.
    part: bool = False

    @property
    def page_text(self) -> str:
        """The text of the whole page as read: a reading of part of it follows the first reading's."""
        if self.part and self.first is not None:
            return f"{self.first.text}\n{self.text}"
        return self.text


Confirm = Callable[[OcrResult], bool]


def accept_any(_reading: OcrResult) -> bool:
    """A `confirm` that accepts every reading: a cascade's fast engine alone."""
    return True


ACCEPT_ANY: Confirm = accept_any


class OcrError(PermanentFault):
    """The image cannot be read by OCR (permanent: retrying will not help)."""


class OcrTimeout(TransientFault, OcrError):
    """The engine did not finish within the timeout (transient: a later retry may succeed)."""


class EngineUnavailable(ConfigError, RuntimeError):
    """The engine is not installed on this machine (a set-up problem, not a property of an image)."""


@runtime_checkable
class OcrEngine(Protocol):
    """An OCR engine: reads the text of one page image within `timeout` seconds."""

    name: str

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        """The text on `image`; raises OcrTimeout after `timeout` seconds, OcrError for a bad image.
        `confirm` judges a first reading (engines that read once ignore it)."""
        ...

    def load(self) -> None:
        """Load what the engine needs (models) now, not during the first page."""
        ...


def check_image(image: object) -> Image.Image:
    """`image` if it is a non-empty PIL image whose pixels load, else OcrError."""
    if not isinstance(image, Image.Image):
        raise OcrError(f"not an image: {type(image).__name__}")
    if image.width < 1 or image.height < 1:
        raise OcrError(f"empty image ({image.width}x{image.height})")
    try:
        image.load()
    except Exception as exc:  # noqa: BLE001 - a truncated or corrupt file shows here
        raise OcrError(f"the image cannot be decoded: {exc}") from exc
    return image
