"""Request bodies streamed to disk under limits checked while reading; nothing held whole in memory.

Every upload gets its own folder under `<data_dir>/tmp/uploads/`, removed when the request ends
however it ends (done, refused, or cut off by the client), so an upload leaves nothing behind.
A folder names its process in an `.owner` file; a server that starts removes the folders of
processes that died (killed mid-upload), and leaves those of live servers sharing the data path.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote

from python_multipart import MultipartParser
from python_multipart.multipart import MultipartState, parse_options_header

from pipeline.domain.intake_value import TooLarge
from pipeline.errors import Refused
from pipeline.services import orphans

OWNER = ".owner"
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 200
MAX_FILES = 100


class BodyTooLarge(TooLarge):
    """The whole request is over the per-request limit."""


class FileTooLarge(TooLarge):
    """One uploaded file is over the per-file limit."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class BadForm(Refused, ValueError):
    """A multipart body that cannot be used; the message says why, in Chinese."""

    http_status, code = 400, "form.invalid"


@contextmanager
def upload_dir(data_dir: Path) -> Iterator[Path]:
    """A fresh folder for one request's files, removed at the end whatever happens."""
    root = data_dir / "tmp" / "uploads" / uuid.uuid4().hex
    root.mkdir(parents=True)
    try:
        (root / OWNER).write_text(orphans.current(), encoding="utf-8")
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def remove_orphans(data_dir: Path, now: datetime) -> int:
    """Remove the upload folders of processes that died; return how many."""
    removed = 0
    root = data_dir / "tmp" / "uploads"
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            owner = (folder / OWNER).read_text(encoding="utf-8")
        except OSError:
            owner = None  # an older version's folder, or one whose owner died before writing it
        claimed = datetime.fromtimestamp(folder.stat().st_mtime)
        if owner is None or not orphans.alive(owner, claimed, now):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


@dataclass
class Received:
    path: Path
    size: int
    sha256: str


async def body_to_file(chunks: AsyncIterator[bytes], target: Path, limit: int) -> Received:
    """Write a raw body to `target`, raising BodyTooLarge once more than `limit` bytes came."""
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(str(limit))
            digest.update(chunk)
            out.write(chunk)
    return Received(target, size, digest.hexdigest())


async def drain(chunks: AsyncIterator[bytes], limit: int) -> None:
    """Read and drop the rest of a refused body (up to `limit`), so the client reads our answer."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            return


@dataclass
class FormFile:
    name: str          # the file name as sent (the material name), folders stripped
    path: Path
    size: int
    sha256: str


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[FormFile] = field(default_factory=list)


def safe_name(raw: str) -> str | None:
    """The file name without any folder, or None when nothing usable is left."""
    name = PurePosixPath(raw.replace("\\", "/")).name.strip()
    if not name or name in (".", "..") or any(ord(c) < 32 for c in name) or len(name) > 200:
        return None
    return name


class _Sink:
    """python-multipart callbacks writing file parts to disk, counting every limit."""

    def __init__(self, folder: Path, max_file: int) -> None:
        self.folder, self.max_file = folder, max_file
        self.form = Form()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._filename: str | None = None
        self._out: BinaryIO | None = None
        self._digest = hashlib.sha256()
        self._size = 0
        self._text = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data,
                "on_part_end": self.part_end, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished}

    def part_begin(self) -> None:
        self._headers, self._name, self._filename, self._out = {}, None, None, None
        self._digest, self._size, self._text = hashlib.sha256(), 0, bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name")
        if name is None:
            raise BadForm("表单的某一部分缺少名称（Content-Disposition 中的 name）")
        self._name = _decode(name)
        starred = _filename_star(disposition)  # RFC 5987, preferred to `filename` when both come
        filename = options.get(b"filename")
        if filename is None and starred is None:
            if len(self.form.fields) >= MAX_FIELDS:
                raise BadForm(f"表单字段超过{MAX_FIELDS}个")
            return
        if len(self.form.files) >= MAX_FILES:
            raise BadForm(f"一份申报最多上传{MAX_FILES}个文件")
        shown = starred if starred is not None else _decode(filename or b"")
        safe = safe_name(shown)
        if safe is None:
            raise BadForm(f"文件名“{shown}”无效：请以材料名称命名文件，如“学历证书.jpg”")
        self._filename = safe
        index = len(self.form.files)
        self._path = self.folder / f"{index:03d}"
        self._out = open(self._path, "wb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        self._size += len(chunk)
        if self._out is None:
            if self._size > MAX_FIELD_BYTES:
                raise BadForm(f"表单字段“{self._name}”过长（超过{MAX_FIELD_BYTES // 1024} KB）")
            self._text += chunk
            return
        if self._size > self.max_file:
            self._out.close()
            raise FileTooLarge(self._filename or "")
        self._digest.update(chunk)
        self._out.write(chunk)

    def part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self.form.files.append(FormFile(self._filename or "", self._path, self._size,
                                            self._digest.hexdigest()))
            self._out = None
        elif self._name is not None:
            try:
                self.form.fields[self._name] = bytes(self._text).decode("utf-8")
            except UnicodeDecodeError:
                raise BadForm(f"表单字段“{self._name}”不是 UTF-8 文本") from None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


def _decode(raw: bytes) -> str:
    """A header value as sent: UTF-8 (browsers), else GBK/GB18030 (older Chinese Windows tools)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


_STAR = re.compile(rb"""(?:^|;)\s*filename\*\s*=\s*([^;]+)""", re.IGNORECASE)


def _filename_star(disposition: bytes) -> str | None:
    """The RFC 5987 `filename*=charset'lang'percent-encoded` of a Content-Disposition, if any."""
    found = _STAR.search(disposition)
    if found is None:
        return None
    charset, quote, rest = found.group(1).strip().strip(b'"').decode("latin-1").partition("'")
    _lang, quote2, value = rest.partition("'")
    if not quote or not quote2:
        return None
    try:
        return unquote(value, encoding=charset or "utf-8", errors="strict")
    except (LookupError, UnicodeDecodeError):
        raise BadForm("文件名（filename*）的编码无法识别：请使用 UTF-8") from None


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a Content-Type header; BadForm when it is not multipart."""
    kind, options = parse_options_header(content_type.encode("latin-1", "replace"))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise BadForm("请求体应为 multipart/form-data（花名册字段与材料文件）")
    return options[b"boundary"]


async def form_to_files(chunks: AsyncIterator[bytes], content_type: str, folder: Path,
                        max_file: int, max_body: int) -> Form:
    """Parse a multipart body as it arrives: fields in memory (small), files to `folder`."""
    sink = _Sink(folder, max_file)
    parser = MultipartParser(boundary_of(content_type), sink.callbacks())  # type: ignore[arg-type]
    size = 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_body:
                raise BodyTooLarge(str(max_body))
            parser.write(chunk)
        parser.finalize()
    finally:
        sink.close()
    if size == 0:
        raise BadForm("请求体为空：请以 multipart/form-data 上传花名册字段与材料文件")
    if parser.state != MultipartState.END:
        # The body stopped before its closing boundary: its last part may be cut off, so none
        # of it is used (a part silently dropped would be a material silently lost).
        raise BadForm("请求体不完整：multipart 内容没有以结束分隔符结尾（上传可能被中断），整份申报未受理；"
                      "请重新提交")
    return sink.form
