"""Preflight of one uploaded file: what it really is and whether it can be used, before OCR."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps
from pypdf import PdfReader

from pipeline.domain.materials import EXPECTED_FORM, Form, classify

HEAD_BYTES = 8192
TEXT_LAYER_MIN_CHARS = 20  # non-space characters on the examined pages that make a text layer
EXIF_ORIENTATION = 0x0112
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
_EXTENSIONS = {".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg", ".png": "png", ".pdf": "pdf"}
_PROPER_EXTENSION = {"jpeg": ".jpg", "png": ".png", "pdf": ".pdf"}
_ACCEPTED_NAMES = {"jpeg": "JPEG图片", "png": "PNG图片", "pdf": "PDF文件"}
_DESCRIPTIONS = {
    "docx": "Word文档", "ole": "旧版Office文档（.doc/.xls/.wps）", "xlsx": "Excel表格",
    "pptx": "PowerPoint演示文稿", "ofd": "OFD版式文件", "rtf": "RTF文档", "text": "纯文本文件",
    "zip": "ZIP压缩包", "rar": "RAR压缩包", "7z": "7z压缩包", "gz": "gzip压缩包",
    "gif": "GIF图片", "bmp": "BMP图片", "tiff": "TIFF图片", "webp": "WebP图片",
    "heic": "HEIC照片（苹果手机默认的照片格式）", "avif": "AVIF图片", "video": "视频文件",
}
_PIL_FORMATS = ("JPEG", "PNG")  # the Pillow plugins allowed to open an upload
_JPEG_FORMATS = ("JPEG", "MPO")  # Pillow calls phone photos with a multi-picture index MPO
_IMAGE_LIKE = {"gif", "bmp", "tiff", "webp", "heic", "avif"}
_ARCHIVES = {"zip", "rar", "7z", "gz"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Issue:
    """One finding of the preflight: a CONTRACTS §3 rule code and a Chinese message."""

    rule: str
    message: str


@dataclass
class Inspection:
    """What a file really is; media_type is set only when the file is accepted and usable."""

    media_type: str | None
    detected: str
    findings: list[Issue] = field(default_factory=list)
    pages: int | None = None
    has_text_layer: bool | None = None
    text_chars: int | None = None
    encrypted: bool = False
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    error: str | None = None  # technical detail of an unreadable file, for logs, not for users


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


def _refine_zip(path: Path) -> str:
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


def _size_text(size: float) -> str:
    """Format a byte count for a message, rounding up so a size over the limit never looks equal."""
    if size >= 1024 * 1024:
        return f"{math.ceil(size / 1024 / 1024 * 100) / 100:g}MB"
    if size >= 1024:
        return f"{math.ceil(size / 1024 * 10) / 10:g}KB"
    return f"{int(size)}字节"


def _extension(filename: str) -> str | None:
    """Return the lower-case extension of a file name ('.jpg'), or None when it has none."""
    suffix = Path(unicodedata.normalize("NFKC", filename).strip()).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isascii() and suffix[1:].isalnum() else None


def _bad_type_message(filename: str, detected: str) -> str:
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


def _unreadable(result: Inspection, message: str, error: BaseException | str) -> Inspection:
    """Record a material.unreadable finding and make the file unusable."""
    result.findings.append(Issue("material.unreadable", message))
    result.media_type = None
    result.error = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
    return result


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


def _inspect_image(path: Path, filename: str, result: Inspection, max_pixels: int, head: bytes) -> Inspection:
    """Check an image's pixel count (from its header, before decoding), integrity and orientation."""
    try:
        with Image.open(path, formats=_PIL_FORMATS) as img:  # lazy: reads the header only
            result.width, result.height = width, height = img.size
        if width * height > max_pixels:
            raise Image.DecompressionBombError(f"{width}x{height} over {max_pixels}")
        if not width or not height:
            raise ValueError("zero width or height")
        with Image.open(path, formats=_PIL_FORMATS) as img:
            img.verify()
        with Image.open(path, formats=_PIL_FORMATS) as img:
            if img.format in _JPEG_FORMATS:  # decode the whole stream at 1/8 scale: same checks, less memory
                img.draft(None, (max(1, img.width // 8), max(1, img.height // 8)))
            img.load()
            orientation = img.getexif().get(EXIF_ORIENTATION)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if result.width is None:  # Pillow refused it before telling the size
            result.width, result.height = _png_size(head)
        return _unreadable(result, _bomb_message(filename, result.width, result.height, max_pixels), exc)
    except Exception as exc:  # unidentifiable, truncated data, bad CRC, broken EXIF...
        message = f"“{filename}”图片已损坏或不完整（可能上传中断），无法打开，请重新扫描或拍照后上传"
        return _unreadable(result, message, exc)
    result.orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None
    return result


def _inspect_pdf(path: Path, filename: str, result: Inspection, text_pages: int) -> Inspection:
    """Check that a PDF opens, count its pages and measure its text layer."""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in fh.read():
            message = f"“{filename}”文件不完整（缺少PDF文件结尾，可能上传或复制时中断），请重新导出PDF后上传"
            return _unreadable(result, message, "no %%EOF in the last 1024 bytes")
    locked = f"“{filename}”已加密（设置了密码），系统无法读取，请去除密码后重新上传"
    try:
        reader = PdfReader(path, strict=False)
        result.encrypted = bool(reader.is_encrypted)
        if reader.is_encrypted and not reader.decrypt(""):
            return _unreadable(result, locked, "encrypted with a user password")
        pages = len(reader.pages)
        for page in reader.pages:  # resolve every page object: a broken page tree shows here
            _ = page.mediabox
    except Exception as exc:  # e.g. AES encryption without the cryptography package, a broken xref
        damaged = f"“{filename}”已损坏，无法打开，请重新导出或扫描为PDF后上传"
        return _unreadable(result, locked if result.encrypted else damaged, exc)
    result.pages = pages
    if pages == 0:
        return _unreadable(result, f"“{filename}”没有任何页面，请检查内容后重新导出PDF上传", "zero pages")
    result.has_text_layer = any(_shows_text(page) for page in reader.pages[:text_pages])
    return result


# A string or array operand followed by a text-showing operator (Tj, TJ, ' or ").
_TEXT_SHOWING = re.compile(rb"[)>\]]\s*(?:Tj|TJ|'|\")")


def _shows_text(page: object) -> bool:
    """Whether a page's content stream draws text: a cheap test, ~50x faster than extracting it.

    The text itself (and its length) is read once per file content by the extract stage; text
    drawn only inside form XObjects is missed here and the page is then treated as a scan.
    """
    try:
        contents = page.get_contents()  # type: ignore[attr-defined]
        return contents is not None and _TEXT_SHOWING.search(contents.get_data()) is not None
    except Exception:  # one page whose content cannot be read is not a broken file
        return False


def inspect_file(
    path: Path, filename: str, *, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 80_000_000, text_pages: int = 3
) -> Inspection:
    """Preflight one file: size, real type, extension, integrity, pixels, pages, text layer."""
    result = Inspection(media_type=None, detected="unknown")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            result.findings.append(Issue(
                "material.too_large",
                f"“{filename}”大小为{_size_text(size)}，超过{_size_text(max_bytes)}的上限，"
                "请降低扫描分辨率或压缩后重新上传（内容多的可拆分为“-2”“-3”等多个文件）",
            ))
            return result
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return _unreadable(result, f"“{filename}”无法读取，请重新上传", exc)
    try:
        detected = sniff(head)
        if detected == "zip":
            detected = _refine_zip(path)
        result.detected = detected
        if detected == "empty":
            return _unreadable(result, f"“{filename}”是空文件（0字节），可能上传或复制时出错，请重新上传", "empty")
        if detected not in MEDIA_TYPES:
            result.findings.append(Issue("material.bad_type", _bad_type_message(filename, detected)))
            return result
        result.media_type = MEDIA_TYPES[detected]
        ext = _extension(filename)
        claimed = _EXTENSIONS.get(ext or "")
        # A JPEG named .png (or the reverse) is still the image the contract asks for: not a lie worth
        # returning an application for. Any other mismatch (an image named .pdf, a PDF named .docx) is.
        swapped_image = {claimed, detected} == {"jpeg", "png"}
        if ext is not None and claimed != detected and not swapped_image:
            result.findings.append(Issue(
                "material.bad_type",
                f"“{filename}”实际是{_ACCEPTED_NAMES[detected]}，扩展名{ext}与内容不符，"
                f"请将扩展名改为{_PROPER_EXTENSION[detected]}后重新上传",
            ))
        if detected == "pdf":
            return _inspect_pdf(path, filename, result, text_pages)
        return _inspect_image(path, filename, result, max_pixels, head)
    except Exception as exc:  # whatever the bytes, a finding, never a crash
        return _unreadable(result, f"“{filename}”已损坏或格式异常，无法打开，请重新导出后上传", exc)


def normalized_image(path: Path, *, max_pixels: int = 80_000_000) -> bytes | None:
    """Return the image turned upright per its EXIF orientation, or None when no change is needed or possible."""
    try:
        with Image.open(path, formats=_PIL_FORMATS) as img:
            if img.width * img.height > max_pixels:
                return None
            orientation = img.getexif().get(EXIF_ORIENTATION)
            if orientation in (None, 1) or img.format not in (*_JPEG_FORMATS, "PNG"):
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


def pdf_text(path: Path, max_pages: int | None = None) -> str:
    """Return the text layer of a PDF (all pages by default); unreadable pages give no text.

    poppler's `pdftotext` does it in a child process: several times faster than pypdf on
    Chinese text, and out of this process's GIL, so worker threads really run in parallel.
    pypdf is the fallback where poppler is not installed or fails.
    """
    text = _pdftotext(path, max_pages)
    return text if text is not None else _pypdf_text(path, max_pages)


def _pdftotext(path: Path, max_pages: int | None) -> str | None:
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    argv = [exe, "-q", "-enc", "UTF-8"] + (["-l", str(max_pages)] if max_pages else [])
    try:
        done = subprocess.run(argv + [str(path), "-"], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").replace("\f", "\n")


def _pypdf_text(path: Path, max_pages: int | None) -> str:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # only-owner-protected files open with the empty password
        pages = list(reader.pages)
    except Exception:
        return ""
    texts: list[str] = []
    for page in pages if max_pages is None else pages[:max_pages]:
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            texts.append("")
    return "\n".join(texts)
