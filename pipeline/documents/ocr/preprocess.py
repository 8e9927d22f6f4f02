"""Preparing a certificate image for OCR, one step per function, each switched by a flag.

The steps, in the order `Preprocessing.apply` runs them (each is measured by bench/bench_ocr.py):

- `upright`: turn the pixels as the EXIF orientation says (a phone held sideways stores them turned
  by 90 degrees). Width and height swap for orientations 5-8; the EXIF tag is dropped.
- `remove_red`: paint the red seal (and red frame lines) in the paper's colour, so that the seal's
  characters do not mix with the black text. Same size, RGB out.
- `to_gray`: one channel (mode "L"). Same size.
- `scale_to_text_height`: resize so the body text is about `target` pixels high (estimated from the
  ink rows). The aspect ratio is kept; the factor stays within 0.35-3 and the result under 12 MP.
- `flatten_light`: divide by an estimate of the paper's brightness, so the light falling off
  across a photo no longer hides the text. Same size and mode.
- `stretch_contrast`: stretch the grey levels to the full range (1 % clipped at each end). Same size
  and mode.
- `remove_lines`: paint over long straight dark lines (table rules, frames), which otherwise make
  tesseract's layout analysis drop the text inside table cells. Same size and mode.

No step changes the orientation except `upright`, and none crops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

MAX_PIXELS = 12_000_000
MIN_FACTOR, MAX_FACTOR = 0.35, 3.0


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (unchanged when it has none)."""
    turned = ImageOps.exif_transpose(image)
    return image if turned is None else turned


def remove_red(image: Image.Image, margin: int = 20) -> Image.Image:
    """The image (RGB) with reddish pixels, such as a seal's, replaced by the grey of their red
    channel: on the red channel a red seal is as light as the paper while black ink stays black.

    A pixel is reddish when its red channel exceeds both others by `margin`; grey paper, dark ink and
    blue or green frames are left alone, and the pink fringe that JPEG leaves around a seal goes too.
    """
    rgb = np.asarray(image.convert("RGB"))
    r = rgb[..., 0]
    other = np.maximum(rgb[..., 1], rgb[..., 2])
    red = r.astype(np.int16) - other > margin
    if not red.any():
        return image.convert("RGB")
    out = rgb.copy()
    out[red] = r[red][:, None]
    return Image.fromarray(out, "RGB")


def to_gray(image: Image.Image) -> Image.Image:
    """The image in one channel of grey (mode "L")."""
    return image if image.mode == "L" else image.convert("L")


def _otsu(gray: np.ndarray) -> int:
    """The grey level that best splits ink (at or below it) from paper (Otsu's method)."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def estimate_text_height(image: Image.Image) -> float | None:
    """The usual height in pixels of a line of text (its ink rows), or None when no text is seen.

    Rows holding ink are counted in narrow vertical strips, so a tilt of a few degrees does not merge
    neighbouring lines; the median run height of all strips is the answer.
    """
    gray = np.asarray(to_gray(image), dtype=np.uint8)
    h, w = gray.shape
    if h < 16 or w < 16:
        return None
    ink = gray <= _otsu(gray)
    strips = max(1, min(12, w // 120))
    heights: list[int] = []
    for k in range(strips):
        part = ink[:, k * w // strips:(k + 1) * w // strips]
        rows = part.mean(axis=1) > 0.02
        edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.view(np.int8), [0]))))
        for start, stop in zip(edges[::2], edges[1::2]):
            run = int(stop - start)
            if 6 <= run <= h // 6:
                heights.append(run)
    if len(heights) < 3:
        return None
    return float(np.median(heights))


def scale_to_text_height(image: Image.Image, target: int) -> Image.Image:
    """The image resized so its text is about `target` pixels high (aspect ratio kept)."""
    height = estimate_text_height(image)
    if height is None:
        return image
    factor = min(MAX_FACTOR, max(MIN_FACTOR, target / height))
    factor = min(factor, (MAX_PIXELS / (image.width * image.height)) ** 0.5)
    if abs(factor - 1) < 0.08:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC)


def flatten_light(image: Image.Image) -> Image.Image:
    """The image divided by its paper's brightness (estimated with the ink filtered out)."""
    small_w = max(8, image.width // 8)
    small_h = max(8, image.height // 8)
    gray = to_gray(image).resize((small_w, small_h), Image.Resampling.BOX)
    paper = gray.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(3))
    paper = paper.resize(image.size, Image.Resampling.BILINEAR)
    bg = np.maximum(np.asarray(paper, dtype=np.float32), 24.0)
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 3:
        bg = bg[..., None]
    out = np.clip(pixels * (255.0 / bg), 0, 255).astype(np.uint8)
    return Image.fromarray(out, image.mode)


def stretch_contrast(image: Image.Image) -> Image.Image:
    """The image with its grey levels stretched to 0-255 (1 % clipped at each end)."""
    return ImageOps.autocontrast(image, cutoff=1)


def _runs_at_least(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """The pixels of `mask` that lie in a straight run of at least `length` along `axis`
    (an erosion then a dilation by a line of `length`, each in log2(length) shifted ANDs/ORs)."""
    m = np.moveaxis(mask, axis, -1)
    n = m.shape[-1]
    if length > n:
        return np.zeros_like(mask)
    starts = m.copy()
    span = 1
    while span < length:  # starts[i]: m[i .. i+span-1] are all ink
        step = min(span, length - span)
        starts[..., :n - step] &= starts[..., step:]
        starts[..., n - step:] = False
        span += step
    covered = starts.copy()
    span = 1
    while span < length:  # covered[i]: a run of `length` starts in [i-span+1, i]
        step = min(span, length - span)
        covered[..., step:] |= covered[..., :n - step].copy()
        span += step
    return np.moveaxis(covered, -1, axis)


def remove_lines(image: Image.Image, min_length: float = 0.06) -> Image.Image:
    """The image with horizontal and vertical dark lines longer than `min_length` of its width
    (at least 60 px) painted in the paper's colour; characters are far shorter than that."""
    gray = np.asarray(to_gray(image), dtype=np.uint8)
    ink = gray <= _otsu(gray)
    length = max(60, round(min_length * gray.shape[1]))
    lines = _runs_at_least(ink, length, axis=1) | _runs_at_least(ink, length, axis=0)
    if not lines.any():
        return image
    # one pixel more on each side catches the anti-aliased edges of a rule
    grown = lines.copy()
    grown[1:, :] |= lines[:-1, :]
    grown[:-1, :] |= lines[1:, :]
    grown[:, 1:] |= lines[:, :-1]
    grown[:, :-1] |= lines[:, 1:]
    pixels = np.asarray(image).copy()
    paper = np.percentile(pixels[~ink], 90, axis=0) if (~ink).any() else 255
    pixels[grown] = paper
    return Image.fromarray(pixels.astype(np.uint8), image.mode)


@dataclass(frozen=True)
class Preprocessing:
    """Which steps to run; `text_height` None leaves the size alone."""

    exif: bool = True
    red: bool = True
    gray: bool = True
    text_height: int | None = 24
    flatten: bool = True
    contrast: bool = True
    lines: bool = True

    @property
    def label(self) -> str:
        """A short stable name for the settings, part of the engine's name and of cache keys."""
        parts = [name for name, on in (("exif", self.exif), ("red", self.red), ("gray", self.gray))
                 if on]
        if self.text_height:
            parts.append(f"h{self.text_height}")
        parts += [name for name, on in (("flat", self.flatten), ("contrast", self.contrast),
                                        ("lines", self.lines)) if on]
        return "+".join(parts) or "raw"

    def apply(self, image: Image.Image) -> Image.Image:
        """The image after the chosen steps (in the order of the module docstring)."""
        if self.exif:
            image = upright(image)
        if self.red:
            image = remove_red(image)
        elif image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        if self.gray:
            image = to_gray(image)
        if self.text_height:
            image = scale_to_text_height(image, self.text_height)
        if self.flatten:
            image = flatten_light(image)
        if self.contrast:
            image = stretch_contrast(image)
        if self.lines:
            image = remove_lines(image)
        return image


NONE = Preprocessing(exif=False, red=False, gray=False, text_height=None, flatten=False, contrast=False,
                     lines=False)
