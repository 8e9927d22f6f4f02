"""Images scaled down before they go into a packet: an A4 page at 200 dpi shows no more.

WeasyPrint decodes an image at full size into memory and embeds every pixel: an 8,940×8,940 PNG
made one packet peak at 870 MB. Here an image larger than the print box is decoded once (a JPEG
already at a reduced scale, with Pillow's draft mode), turned upright per its EXIF orientation,
scaled to fit the box and written to the packet's scratch folder; smaller images are used as
they are.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

PRINT_BOX = (1654, 2339)  # A4 at 200 dpi, portrait (turned for a landscape image)
PIL_FORMATS = ("JPEG", "PNG")


def _box_for(width: int, height: int) -> tuple[int, int]:
    short, long = PRINT_BOX
    return (long, short) if width > height else (short, long)


def fit_for_print(path: Path, scratch: Path, max_pixels: int = 80_000_000) -> Path:
    """`path` itself when it fits the print box, else a scaled-down copy in `scratch`."""
    with Image.open(path, formats=PIL_FORMATS) as img:
        width, height = img.size
        orientation = img.getexif().get(0x0112)
        turned = orientation in (5, 6, 7, 8)  # shown a quarter turn from how it is stored
        box = _box_for(height, width) if turned else _box_for(width, height)
        if turned:
            box = (box[1], box[0])  # the box in the stored image's own axes
        if width <= box[0] and height <= box[1]:
            return path
        if width * height > max_pixels:
            raise Image.DecompressionBombError(f"{width}x{height}")
        if img.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale: a fraction of the memory
            img.draft("RGB", box)
        img.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=2.0)
        out: Image.Image = img
        if orientation not in (None, 1):
            out = ImageOps.exif_transpose(img) or img
        if out.mode not in ("RGB", "L", "RGBA", "LA", "P"):
            out = out.convert("RGB")
        if img.format == "JPEG" or out.mode == "RGB":
            target = scratch / f"{path.name}.jpg"
            out.convert("RGB").save(target, "JPEG", quality=88, optimize=True)
        else:
            target = scratch / f"{path.name}.png"
            out.save(target, "PNG", optimize=False)
        return target
