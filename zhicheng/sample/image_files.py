"""A drawn certificate as the file a unit uploads: a JPEG, a PNG, or a sideways phone photo."""

from __future__ import annotations

import io
import random

from PIL import Image


def jpeg_bytes(img: Image.Image, light: bool) -> bytes:
    """The image as a JPEG file."""
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80 if light else 85)
    return buf.getvalue()


def png_bytes(img: Image.Image, light: bool) -> bytes:
    """The image as a PNG file."""
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1 if light else 6)
    return buf.getvalue()


def phone_photo_bytes(img: Image.Image, rng: random.Random, year: int, light: bool) -> bytes:
    """The certificate photographed on a desk with a phone held sideways: the pixels are stored
    rotated 90° counter-clockwise and EXIF orientation 6 says to turn them clockwise for display."""
    desk = (112, 92, 72)
    bw, bh = int(img.width * 1.12), int(img.height * 1.16)
    photo = Image.new("RGB", (bw, bh), desk)
    tilted = img.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC, expand=True,
                        fillcolor=desk)
    photo.paste(tilted, ((bw - tilted.width) // 2, (bh - tilted.height) // 2))
    stored = photo.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° CW to display
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "ELS-AN00"
    exif[0x0132] = f"{year}:02:{10 + rng.randrange(15):02d} {9 + rng.randrange(9):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=80 if light else 85, exif=exif.tobytes())
    return buf.getvalue()
