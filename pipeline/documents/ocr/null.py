"""The null engine: reads nothing. For tests, and for machines without an OCR engine, where every
certificate then shows as unread instead of stopping the pipeline."""

from __future__ import annotations

from PIL import Image

from .engine import Confirm, OcrResult, check_image


class NullEngine:
    """An engine that finds no text on any (valid) image."""

    name = "null"

    def load(self) -> None:
        """Nothing to load."""

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        """No text, for any valid image."""
        check_image(image)
        return OcrResult(text="", confidence=None, engine=self.name)
