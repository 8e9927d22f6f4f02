"""Drawing a certificate: paper with a frame and a photo, text from cached glyphs, round red seals."""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageDraw

from .fonts import cached_glyph, cjk_font, text_width, wrap_text

_INK = (28, 28, 30)
_RED = (212, 30, 36)


class Sheet:
    """A certificate being drawn: a paper background, text helpers and seals."""

    def __init__(self, kind: str, w: int, h: int, light: bool) -> None:
        self.img = _background(kind, w, h, light).copy()
        self.draw = ImageDraw.Draw(self.img)
        self.w, self.h, self.light = w, h, light

    def text(self, x: float, y: float, text: str, size: int, style: str = "serif",
             fill: tuple[int, int, int] = _INK, spacing: float = 0.0) -> float:
        for ch in text:
            mask, left, top, advance = cached_glyph(style, size, ch)
            if mask is not None:
                self.img.paste(fill, (round(x) + left, round(y) + top), mask)
            x += advance + spacing
        return x

    def center(self, y: float, text: str, size: int, style: str = "serif-bold",
               fill: tuple[int, int, int] = _INK, spacing: float = 0.0) -> None:
        gap = spacing * size
        width = text_width(style, size, text) + gap * (len(text) - 1)
        self.text((self.w - width) / 2, y, text, size, style, fill, gap)

    def para(self, x: float, y: float, width: float, text: str, size: int, leading: float = 1.7,
             style: str = "serif") -> float:
        for line in wrap_text(style, size, "\u3000\u3000" + text, width):
            self.text(x, y, line, size, style)
            y += size * leading
        return y

    def fit(self, x: float, y: float, width: float, text: str, size: int, minimum: int = 9,
            style: str = "serif") -> None:
        while size > minimum and text_width(style, size, text) > width:
            size -= 1
        self.text(x, y, text, size, style)

    def seal(self, cx: float, cy: float, radius: int, text: str, bottom: str = "") -> None:
        stamp = _seal(text, radius, bottom)
        self.img.paste(stamp, (int(cx - stamp.width / 2), int(cy - stamp.height / 2)), stamp)


_PAPER = {
    "diploma": ((252, 249, 240), (150, 42, 38)),
    "degree": ((249, 250, 243), (32, 86, 62)),
    "title": ((245, 249, 252), (36, 70, 128)),
    "ce": ((255, 255, 255), None),
    "honor": ((253, 246, 238), (186, 146, 58)),
    "page": ((252, 252, 250), None),
}


@lru_cache(maxsize=32)
def _background(kind: str, w: int, h: int, light: bool) -> Image.Image:
    paper, border = _PAPER[kind]
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    if border is not None:
        m = min(w, h)
        outer, inner = round(m * 0.03), round(m * 0.05)
        draw.rectangle([outer, outer, w - outer, h - outer], outline=border, width=max(2, m // 110))
        draw.rectangle([inner, inner, w - inner, h - inner], outline=border, width=max(1, m // 400))
        if not light:  # a row of small diamonds between the two frames
            step, r, mid = m // 28, m // 180, (outer + inner) // 2
            for x in range(inner + step // 2, w - inner, step):
                for y in (mid, h - mid):
                    draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=border)
            for y in range(inner + step // 2, h - inner, step):
                for x in (mid, w - mid):
                    draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=border)
    if kind in ("diploma", "degree", "title") and not light:
        x0, y0, x1, y1 = photo_box(w, h)
        draw.rectangle([x0, y0, x1, y1], fill=(214, 228, 240), outline=(150, 150, 150), width=2)
        cx, hw = (x0 + x1) / 2, (x1 - x0)
        draw.ellipse([cx - hw * 0.2, y0 + hw * 0.25, cx + hw * 0.2, y0 + hw * 0.75], fill=(120, 120, 128))
        draw.pieslice([cx - hw * 0.42, y0 + hw * 0.82, cx + hw * 0.42, y0 + hw * 1.7], 180, 360,
                      fill=(70, 80, 100))
    return img


def photo_box(w: int, h: int) -> tuple[int, int, int, int]:
    """Where the holder's photo sits on a `w` x `h` certificate: (left, top, right, bottom)."""
    x0, y0 = round(w * 0.094), round(h * 0.27)
    return x0, y0, x0 + round(w * 0.18), y0 + round(w * 0.24)


@lru_cache(maxsize=64)
def _seal(text: str, radius: int, bottom: str) -> Image.Image:
    """A round red seal: ring, star, the name along the upper arc and a line at the bottom."""
    size = 2 * radius + 6
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = _RED + (210,)
    c = size / 2
    ring = max(2, radius // 14)
    draw.ellipse([3, 3, size - 4, size - 4], outline=red, width=ring)
    star_r = radius * 0.27
    points = []
    for k in range(10):
        r = star_r if k % 2 == 0 else star_r * 0.4
        a = math.radians(90 + k * 36)
        points.append((c + r * math.cos(a), c - r * math.sin(a)))
    draw.polygon(points, fill=red)
    n = len(text)
    fs = max(8, int(radius * 0.27))
    while fs > 8 and n * fs * 1.12 > math.radians(250) * (radius - ring - fs * 0.75):
        fs -= 1  # a long name gets smaller characters, as on a real seal
    font = cjk_font("sans-bold", fs)
    r_text = radius - ring - fs * 0.75
    step = math.degrees(fs * 1.12 / r_text)
    span = step * (n - 1)
    for i, ch in enumerate(text):
        angle = 90 + span / 2 - step * i
        glyph = Image.new("RGBA", (fs + 6, fs + 6), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(((fs + 6) / 2, (fs + 6) / 2), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(angle - 90, resample=Image.Resampling.BICUBIC, expand=True)
        a = math.radians(angle)
        x, y = c + r_text * math.cos(a), c - r_text * math.sin(a)
        img.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    if bottom:
        bf = cjk_font("sans-bold", max(7, int(fs * 0.8)))
        draw.text((c, c + radius * 0.55), bottom, font=bf, fill=red, anchor="mm")
    return img
