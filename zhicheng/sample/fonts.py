"""CJK fonts for the certificate images, and glyphs rendered once and reused."""

from __future__ import annotations

import os
from functools import cache

from PIL import Image, ImageDraw, ImageFont

_FONT_FILES = {
    "serif": (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),),
    "serif-bold": (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),),
    "sans": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),),
    "sans-bold": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),),
}
_FALLBACK_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@cache
def cjk_font(style: str, size: int) -> ImageFont.FreeTypeFont:
    """A CJK font, loaded once per style and size."""
    for path, index in _FONT_FILES.get(style, ()) + _FALLBACK_FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=index)
    raise RuntimeError("没有找到中文字体：请安装 fonts-noto-cjk（或 fonts-wqy-zenhei）后重试")


# Closing punctuation never starts a line (the images and the PDFs wrap alike).
NO_LINE_START = set("，。、；：？！）》」』”’%")


@cache
def cached_glyph(style: str, size: int, ch: str) -> tuple[Image.Image | None, int, int, float]:
    """One character rendered once: (alpha mask, left, top, advance). Drawing certificates from
    cached glyphs is several times faster than asking FreeType for every line."""
    font = cjk_font(style, size)
    advance = font.getlength(ch)
    left, top, right, bottom = (int(v) for v in font.getbbox(ch))
    if right <= left or bottom <= top:
        return None, 0, 0, advance
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), ch, font=font, fill=255)
    return mask, left, top, advance


def text_width(style: str, size: int, text: str) -> float:
    """The width in pixels of `text` in a font style and size."""
    return sum(cached_glyph(style, size, ch)[3] for ch in text)


def wrap_text(style: str, size: int, text: str, width: float) -> list[str]:
    """`text` cut into lines no wider than `width`; closing punctuation never starts a line."""
    lines, line, used = [], "", 0.0
    for ch in text:
        advance = cached_glyph(style, size, ch)[3]
        if line and ch not in NO_LINE_START and used + advance > width:
            lines.append(line)
            line, used = ch, advance
        else:
            line += ch
            used += advance
    if line:
        lines.append(line)
    return lines
