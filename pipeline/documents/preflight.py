"""Preflight of one uploaded file: what it really is and whether it can be used, before OCR.

The parts: `sniffing` (the real type from the first bytes), `image_preflight`, `pdf_preflight`,
`pdf_text` (the bounded text reader); this module ties them together. A fault of our own storage
while reading the file raises `StoreFault` (pipeline.storage.faults), never a finding.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.documents.image_preflight import inspect_image, normalized_image
from pipeline.documents.inspection import Inspection, Issue, size_text, unreadable
from pipeline.documents.pdf_preflight import inspect_pdf
from pipeline.documents.pdf_text import pdf_text
from pipeline.documents.sniffing import (
    ACCEPTED_NAMES,
    EXTENSIONS,
    HEAD_BYTES,
    MEDIA_TYPES,
    PROPER_EXTENSION,
    bad_type_message,
    extension,
    refine_zip,
    sniff,
)
from pipeline.storage.faults import StoreFault

__all__ = ["HEAD_BYTES", "MEDIA_TYPES", "Inspection", "Issue", "inspect_file", "normalized_image",
           "pdf_text", "sniff"]


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
                f"“{filename}”大小为{size_text(size)}，超过{size_text(max_bytes)}的上限，"
                "请降低扫描分辨率或压缩后重新上传（内容多的可拆分为“-2”“-3”等多个文件）",
            ))
            return result
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:  # the stored file itself cannot be opened: our storage, not the file
        raise StoreFault("读取", path, exc) from exc
    try:
        detected = sniff(head)
        if detected == "zip":
            detected = refine_zip(path)
        result.detected = detected
        if detected == "empty":
            return unreadable(result, f"“{filename}”是空文件（0字节），可能上传或复制时出错，请重新上传", "empty")
        if detected not in MEDIA_TYPES:
            result.findings.append(Issue("material.bad_type", bad_type_message(filename, detected)))
            return result
        result.media_type = MEDIA_TYPES[detected]
        ext = extension(filename)
        claimed = EXTENSIONS.get(ext or "")
        # A JPEG named .png (or the reverse) is still the image the contract asks for: not a lie worth
        # returning an application for. Any other mismatch (an image named .pdf, a PDF named .docx) is.
        swapped_image = {claimed, detected} == {"jpeg", "png"}
        if ext is not None and claimed != detected and not swapped_image:
            result.findings.append(Issue(
                "material.bad_type",
                f"“{filename}”实际是{ACCEPTED_NAMES[detected]}，扩展名{ext}与内容不符，"
                f"请将扩展名改为{PROPER_EXTENSION[detected]}后重新上传",
            ))
        if detected == "pdf":
            return inspect_pdf(path, filename, result, text_pages)
        return inspect_image(path, filename, result, max_pixels, head)
    except StoreFault:
        raise
    except Exception as exc:  # whatever the bytes, a finding, never a crash
        return unreadable(result, f"“{filename}”已损坏或格式异常，无法打开，请重新导出后上传", exc, path)


def inspect_stored(arg: tuple[str, str, int, int]) -> Inspection:
    """`inspect_file` on (path, name, max_bytes, max_pixels): what an inspection process runs
    (this module and what it imports are all such a process loads)."""
    path, name, max_bytes, max_pixels = arg
    return inspect_file(Path(path), name, max_bytes=max_bytes, max_pixels=max_pixels)
