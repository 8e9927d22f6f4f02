"""What a file really is, from its first bytes (and a zip's member names): never from its name."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

from pipeline.domain.materials import EXPECTED_FORM, Form, classify

HEAD_BYTES = 8192
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
EXTENSIONS = {".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg", ".png": "png", ".pdf": "pdf"}
PROPER_EXTENSION = {"jpeg": ".jpg", "png": ".png", "pdf": ".pdf"}
ACCEPTED_NAMES = {"jpeg": "JPEG图片", "png": "PNG图片", "pdf": "PDF文件"}
_DESCRIPTIONS = {
    "docx": "Word文档", "ole": "旧版Office文档（.doc/.xls/.wps）", "xlsx": "Excel表格",
    "pptx": "PowerPoint演示文稿", "ofd": "OFD版式文件", "rtf": "RTF文档", "text": "纯文本文件",
    "zip": "ZIP压缩包", "rar": "RAR压缩包", "7z": "7z压缩包", "gz": "gzip压缩包",
    "gif": "GIF图片", "bmp": "BMP图片", "tiff": "TIFF图片", "webp": "WebP图片",
    "heic": "HEIC照片（苹果手机默认的照片格式）", "avif": "AVIF图片", "video": "视频文件",
}
_IMAGE_LIKE = {"gif", "bmp", "tiff", "webp", "heic", "avif"}
_ARCHIVES = {"zip", "rar", "7z", "gz"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


def _looks_like_text(head: bytes) -> bool:
    """Tell whether the bytes read as UTF-8 or GB18030 text."""
    if b"\0" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut by the head is fine
                continue
            text = head[: exc.start].decode(encoding, errors="replace")
        if not text:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
        return printable >= 0.95 * len(text)
    return False


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"GIF87a", "gif"), (b"GIF89a", "gif"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"\x1f\x8b", "gz"), (b"{\\rtf", "rtf"),
)
_ZIP_MARKERS = ((b"word/", "docx"), (b"xl/", "xlsx"), (b"ppt/", "pptx"), (b"OFD.xml", "ofd"))


def sniff(head: bytes) -> str:
    """Return the real type of a file from its first bytes: 'jpeg', 'png', 'pdf' or another short name."""
    if not head:
        return "empty"
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if b"%PDF-" in head[:1024]:  # readers accept some junk before the header
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return next((name for marker, name in _ZIP_MARKERS if marker in head), "zip")
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        if b"avif" in head[8:40] or b"avis" in head[8:40]:
            return "avif"
        return "heic" if head[8:12] in _HEIC_BRANDS else "video"
    return "text" if _looks_like_text(head) else "unknown"


def refine_zip(path: Path) -> str:
    """Tell an Office document or an OFD file from a plain zip by its member names."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except Exception:
        return "zip"
    for prefix, name in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return name
    return "ofd" if any(n.rsplit("/", 1)[-1] == "OFD.xml" for n in names) else "zip"


def extension(filename: str) -> str | None:
    """Return the lower-case extension of a file name ('.jpg'), or None when it has none."""
    suffix = Path(unicodedata.normalize("NFKC", filename).strip()).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isascii() and suffix[1:].isalnum() else None


def bad_type_message(filename: str, detected: str) -> str:
    """Say what a file really is and how to turn it into an accepted one."""
    form = EXPECTED_FORM[classify(filename).kind]
    if detected in _ARCHIVES:
        action = "请解压后将其中的材料按材料名称分别上传"
    elif form is Form.PDF:
        action = "请转换（另存为）PDF后重新上传"
    elif form is Form.IMAGE:
        action = "请转换为JPG或PNG图片后重新上传" if detected in _IMAGE_LIKE else "请将原件扫描或拍照为JPG或PNG图片后重新上传"
    else:
        action = "请转换为JPG或PNG图片后重新上传" if detected in _IMAGE_LIKE else "请转换（另存为）PDF后重新上传"
    what = f"是{_DESCRIPTIONS[detected]}" if detected in _DESCRIPTIONS else "的文件格式无法识别"
    return f"“{filename}”{what}，不是PDF或JPG/PNG图片，{action}"
