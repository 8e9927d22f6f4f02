"""Preflight of an image: its pixel count from the header before decoding, its integrity, its
EXIF orientation; and the upright copy of a rotated photo."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image, ImageOps

from pipeline.documents.inspection import Inspection, unreadable

EXIF_ORIENTATION = 0x0112
PIL_FORMATS = ("JPEG", "PNG")  # the Pillow plugins allowed to open an upload
JPEG_FORMATS = ("JPEG", "MPO")  # Pillow calls phone photos with a multi-picture index MPO


def _bomb_message(filename: str, width: int | None, height: int | None, max_pixels: int) -> str:
    """Explain a picture whose pixel count is over the limit."""
    size = f"为{width}×{height}像素，" if width and height else ""
    return (
        f"“{filename}”的图片尺寸{size}超过{max_pixels / 10000:g}万像素的上限，可能已损坏或分辨率过高，"
        "请以正常分辨率（如300dpi）重新扫描或拍照后上传"
    )


def _png_size(head: bytes) -> tuple[int | None, int | None]:
    """Read the width and height a PNG header claims, without Pillow."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    return None, None


def inspect_image(path: Path, filename: str, result: Inspection, max_pixels: int, head: bytes) -> Inspection:
    """Check an image's pixel count (from its header, before decoding), integrity and orientation."""
    try:
        with Image.open(path, formats=PIL_FORMATS) as img:  # lazy: reads the header only
            result.width, result.height = width, height = img.size
        if width * height > max_pixels:
            raise Image.DecompressionBombError(f"{width}x{height} over {max_pixels}")
        if not width or not height:
            raise ValueError("zero width or height")
        with Image.open(path, formats=PIL_FORMATS) as img:
            img.verify()
        with Image.open(path, formats=PIL_FORMATS) as img:
            if img.format in JPEG_FORMATS:  # decode the whole stream at 1/8 scale: same checks, less memory
                img.draft(None, (max(1, img.width // 8), max(1, img.height // 8)))
            img.load()
            orientation = img.getexif().get(EXIF_ORIENTATION)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if result.width is None:  # Pillow refused it before telling the size
            result.width, result.height = _png_size(head)
        return unreadable(result, _bomb_message(filename, result.width, result.height, max_pixels), exc, path)
    except Exception as exc:  # unidentifiable, truncated data, bad CRC, broken EXIF...
        message = f"“{filename}”图片已损坏或不完整（可能上传中断），无法打开，请重新扫描或拍照后上传"
        return unreadable(result, message, exc, path)
    result.orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None
    return result


def normalized_image(path: Path, *, max_pixels: int = 80_000_000) -> bytes | None:
    """Return the image turned upright per its EXIF orientation, or None when no change is needed or possible."""
    try:
        with Image.open(path, formats=PIL_FORMATS) as img:
            if img.width * img.height > max_pixels:
                return None
            orientation = img.getexif().get(EXIF_ORIENTATION)
            if orientation in (None, 1) or img.format not in (*JPEG_FORMATS, "PNG"):
                return None
            fmt = "PNG" if img.format == "PNG" else "JPEG"
            icc = img.info.get("icc_profile")
            upright = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        if fmt == "PNG":
            upright.save(out, "PNG", icc_profile=icc)
        else:
            upright.save(out, "JPEG", quality=92, icc_profile=icc)
        return out.getvalue()
    except Exception:
        return None
